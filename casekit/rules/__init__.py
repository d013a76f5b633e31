"""The knowledge base: the cues that point a line at a layer, mark a change, a healthy
comparison, an absence or a limit, and the contradictions that rule a hypothesis out."""
