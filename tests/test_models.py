"""Model resolution, doctor, light import, and one real generation and embedding, offline."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from casekit import models
from casekit.errors import ModelError
from conftest import run_cli


def test_bundled_default_is_found_and_is_a_gguf():
    p = models.resolve_llm(None)
    assert p.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert p.read_bytes()[:4] == b"GGUF"


def test_model_resolution_order(tmp_path, monkeypatch):
    fake = tmp_path / "other.gguf"
    fake.write_bytes(b"GGUF" + b"\0" * 64)
    monkeypatch.setenv("CASEKIT_MODEL", str(fake))
    assert models.resolve_llm(None) == fake.resolve()  # env beats the default
    assert models.resolve_llm("smollm2").name.startswith("SmolLM2")  # --model beats env
    monkeypatch.delenv("CASEKIT_MODEL")
    monkeypatch.setenv("CASEKIT_MODELS_DIR", str(tmp_path))
    assert models.resolve_llm("other.gguf") == fake.resolve()  # a bare name is looked up in models/


@pytest.mark.parametrize("content,needle", [(None, "not found"), (b"PK\x03\x04zip", "not a GGUF file")])
def test_bad_model_is_one_clear_error(tmp_path, content, needle):
    p = tmp_path / "m.gguf"
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(ModelError, match=needle):
        models.resolve_llm(str(p))


def test_missing_model_on_the_cli_exits_2_with_one_line(tmp_path):
    r = run_cli("doctor", "--model", tmp_path / "missing.gguf")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "missing.gguf" in lines[0] and "models/README.md" in lines[0]


def test_doctor_with_the_real_bundled_models():
    r = run_cli("doctor", "--json")
    assert r.returncode == 0, r.stderr
    facts = json.loads(r.stdout)
    assert facts["status"] == "ok"
    assert len(facts["llm sha256"]) == 64 and facts["llm source"] == "bundled default"
    assert len(facts["embedding sha256"]) == 64
    assert facts["offline"] == "HF_HUB_OFFLINE=1, TRANSFORMERS_OFFLINE=1"
    assert facts["llm sha256"] == models.sha256(models.resolve_llm(None))


def test_import_and_help_stay_light():
    code = ("import sys, casekit, casekit.cli; heavy = [m for m in ('torch', 'transformers', 'llama_cpp', "
            "'sentence_transformers', 'faiss') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    r = run_cli("--help")
    assert r.returncode == 0 and "casekit draft" in r.stdout


def test_thread_count_is_a_parameter_not_an_environment_write(monkeypatch):
    monkeypatch.setenv("CASEKIT_THREADS", "5")
    assert models.threads() == 5 and models.llm_threads() == 5
    try:
        models.use_threads(1)  # what a batch worker or a Ray actor does
        assert models.threads() == 1 and models.llm_threads() == 1
        assert os.environ["CASEKIT_THREADS"] == "5"  # read, never written
    finally:
        models.use_threads(None)
    assert models.threads() == 5


def test_public_api_is_lazy():
    code = ("import sys, casekit; names = sorted(casekit.__all__); "
            "assert all(hasattr(casekit, n) for n in names), names; "
            "print([m for m in ('torch', 'sentence_transformers', 'llama_cpp', 'faiss') if m in sys.modules])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_offline_variables_are_set_on_import():
    out = subprocess.run([sys.executable, "-c", "import os, casekit; print(os.environ['HF_HUB_OFFLINE'], os.environ['TRANSFORMERS_OFFLINE'])"],
                         capture_output=True, text=True, env={k: v for k, v in os.environ.items() if "OFFLINE" not in k}).stdout
    assert out.split() == ["1", "1"]


def test_real_generation_with_the_bundled_gguf():
    llm = models.load_llm(models.resolve_llm(None), n_ctx=512)
    out = llm.create_completion("<|im_start|>user\nWhat does HTTP 504 mean?<|im_end|>\n<|im_start|>assistant\n",
                                max_tokens=16, temperature=0.0)
    text = out["choices"][0]["text"]
    assert out["usage"]["completion_tokens"] > 0 and text.strip()
    again = llm.create_completion("<|im_start|>user\nWhat does HTTP 504 mean?<|im_end|>\n<|im_start|>assistant\n",
                                  max_tokens=16, temperature=0.0)["choices"][0]["text"]
    assert again == text  # greedy decoding is deterministic


def test_real_embedding_offline():
    from casekit.retrieval.encoders import embed

    v = embed(["load balancer returns 504 gateway timeout", "the ALB gives 504 when the backend is slow",
               "the coffee machine shows error E-17"])
    from casekit.retrieval.encoders import DIM

    assert v.shape == (3, DIM)
    assert abs(float((v[0] ** 2).sum()) - 1.0) < 1e-4
    assert float(v[0] @ v[1]) > float(v[0] @ v[2]) + 0.2
