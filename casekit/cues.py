"""The cue tables: words that point at a layer, mark a change, a healthy comparison, an
absence, a limit, or rule a hypothesis out. One home for every such list, so that signs,
evidence and reasoning read the same words (and a language adds its own table here).

Cues are matched on lowercased text with whitespace folded; a cue is a plain substring.
"""
from __future__ import annotations

import re

# Words that point at a layer when they appear in a case's evidence or a source's text.
LAYER_CUES: dict[str, tuple[str, ...]] = {
    "network": ("i/o timeout", "timed out", "connection refused", "connection reset", "unreachable", "servfail",
                "nxdomain", "dns", "tls", "ssl", "certificate", "handshake", "mtu", "fragment", "conntrack", "nat gateway",
                "natgateway", "route table", "routes", "destinationcidrblock", "0.0.0.0/0", "gatewayid", "igw-", "nat-",
                "security group", "ingress", "egress", "nacl", "502", "504", "bad gateway", "gateway timeout", "keep-alive",
                "keepalive", "idle timeout", "idle_timeout", "dial tcp", "no route", "vpc endpoint", "vpcendpoint",
                "vpc-endpoints", "subnet", "packet loss", "retransmit", "resolv.conf", "ndots", "notafter", "port 443",
                "listener", "peering", "transit gateway", "proxy", "tcp reset", "syn_sent", "security-group", "route-table",
                "network-acl", "vpc-endpoint", "fromport", "toport", "ipprotocol", "cidrip", "ippermissions", "load balancer",
                "traceroute", "nslookup", "dig ", "openssl s_client", "x509", "sni", "nat port", "errorportallocation",
                "elb_status_code", "target_status_code", "keepalive_timeout", "search ", "nameserver"),
    "os": ("kernel", "no space left on device", "inode", "df -i", "oom killer", "out of memory: killed process",
           "killed process", "chrony", "ntp", "clock", "sshd", "publickey", "systemd", "systemctl", "filesystem", "panic",
           "mount", "iowait", "load average", "steal", "cloud-init", "permission denied", "ulimit", "nofile",
           "open files", "too many open files", "active: inactive", "active: failed", "swap", "dmesg", "/etc/",
           "authorized_keys", "selinux", "cron", "journalctl", "disk full", "use%", "limitnofile", "max open files", "/proc/",
           "sysctl", "somaxconn", "chmod", "chown", "drwx", "strictmodes", "sshd_config", "disk_used_percent", "du -sh",
           "logrotate", "fstab", "/var/log", "timedatectl", "hwclock", "ulimit -n", "bad ownership", "ownership",
           "modes for", "stat -c", "df -h", "du -", "/dev/nvme", "/dev/xvd", "/dev/sd", "chronyc", "lsblk"),
    "container": ("oomkilled", "exit code: 137", "exit code 137", "crashloopbackoff", "back-off restarting", "imagepullbackoff",
                  "cannotpullcontainererror", "pending", "insufficient cpu", "insufficient memory", "pod", "kubelet",
                  "task definition", "ecs task", "container", "execution role", "configmap", "cni", "failedscheduling",
                  "resources.limits", "limits:", "requests:", "memory limit", "liveness", "readiness", "probe",
                  "kubectl", "docker", "image", "taint", "nodeselector", "replicas", "deployment", "daemonset", "restartcount",
                  "restart count", "last state", "terminated", "fargate", "cgroup", "helm", "initialdelayseconds",
                  "startupprobe", "imagepullsecret", "ecr"),
    "storage": ("burstbalance", "burst balance", "volumequeuelength", "queue length", "iops", "throughput", "ebs", "gp2",
                "gp3", "efs", "percentiolimit", "burstcreditbalance", "disk latency", "await", "slow down", "volume",
                "io1", "io2", "readops", "writeops", "read latency", "write latency", "snapshot", "s3:", "amazon s3", "s3 bucket",
                "lifecycle", "storageclass", "glacier", "s3api", "bucket", "nfs", "fsx", "disk queue", "volumeidletime"),
    "application": ("exception", "stack trace", "traceback", "hikaripool", "connection pool", "deploy", "release",
                    "rollback", "heap", "memory leak", "config", "500", "internal server error", "null", "regression",
                    "feature flag", "env var", "environment variable", "version", "build", "commit", "application.yml",
                    "settings", "nullpointer", "keyerror", "undefined", "cors", "access-control", "allowed_origins",
                    "application.properties", "values.yaml", "dependency", "schema", "migration", "sql", "orm", "sdk",
                    "xmx", "gc pause", "thread pool", "stacktrace", "release notes", "changelog"),
    "capacity": ("throttlingexception", "throttling", "rate exceeded", "limitexceeded", "quota", "vcpulimitexceeded",
                 "insufficientinstancecapacity", "toomanyrequests", "429", "concurrency", "provisionedthroughputexceeded",
                 "requestlimitexceeded", "scaling", "max size", "maxsize", "desiredcapacity", "credits", "service quotas",
                 "l-1216c47a", "limit exceeded", "reserved", "max_connections", "capacity", "creditbalance", "cpu credit",
                 "credit specification", "burstable", "t3.", "t2.", "t4g.", "unlimited mode", "servicequotas",
                 "applied quota", "pool exhausted", "max_pool", "connection limit", "servicequota", "running on-demand",
                 "reserved concurrency", "throttles", "rate limit", "burst limit", "max pods", "availableipaddresscount",
                 "too many connections", "port exhaustion", "insufficient"),
    "provider": ("aws health", "health dashboard", "availability zone", "az impairment", "hardware", "retirement",
                 "degraded", "underlying host", "service event", "scheduled event", "instance status check",
                 "system status check", "system-reboot", "instance-retirement", "operational issue", "status page", "system-maintenance", "impaired",
                 "statuscheckfailed_system", "underlying hardware", "increased error rates", "service health",
                 "personal health", "az id", "-az1", "-az2", "-az3"),
}

# A change shortly before the onset is the usual suspect.
CHANGE = re.compile(r"(?i)\b(chang\w*|deploy\w*|upgrad\w*|updat\w*|migrat\w*|moved|rolled|rollout|release\w*|terraform|"
                    r"apply|applied|modif\w*|new version|patch\w*|renew\w*|replac\w*|switch\w*|rotat\w*|enabled|disabled|"
                    r"created|deleted|removed|scaled|resized|restarted|reconfigur\w*|merged|cutover|promot\w*)\b")
# What still works: the is-not side of the problem.
HEALTHY = re.compile(
    r"(?i)(\bstill (?:run\w*|work\w*|serv\w*|healthy|up|fine|ok|respond\w*)|\bworks?\b(?: fine| normally)?(?: from| on| in| with| for)?|"
    r"\bsucceed(?:s|ed)?\b|\bsuccessful(?:ly)?\b|\bunaffected\b|\bnot affected\b|(?<![-\w])healthy\b|"
    r"\bnormal(?:ly)?\b|\bfine\b|\bno (?:errors?|issues?|problems?)\b|\b200 OK\b|\bstatus: ok\b|\bother (?:az|availability zones?|zones?|regions?|"
    r"clusters?|nodes?|instances?|hosts?|pods?|services?|subnets?|environments?|accounts?)\b|\bstaging\b|\bold subnets?\b|"
    r"\bpreviously\b|\bbefore the (?:change|deploy\w*|upgrade|release|migration)\b|\bunlike\b|\bwhereas\b|\bcompared (?:to|with)\b)")
# What is absent: an empty result, a missing route, a stopped service.
ABSENCE = re.compile(
    r"(?i)(^\s*[\[{(]\s*[\]})]\s*,?\s*$|:\s*(?:\[\s*\]|\{\s*\}|null|none|\"\")\s*,?\s*$|\bhas no\b|\bhave no\b|\bno (?:route|default route|"
    r"endpoints?|targets?|healthy|entries|records?|rules?|matching|such|answer|resources?|running|active|available|free|space)\b|"
    r"\bonly (?:the )?(?:local|one|1|default)\b|\bdisabled\b|\binactive\b|\(dead\)|\bnot (?:found|present|configured|set|"
    r"attached|associated|running|enabled|installed|reachable|allowed|listed|mounted|ready)\b|\bmissing\b|\babsent\b|\bempty\b|"
    r"\b0 (?:of|/) ?\d+\b|(?<![\d.])0/\d+\b|\bnone\b|\bno \w+ (?:messages|entries|logs|events|results|found)\b|\bnot in\b|\bwithout\b|"
    r"\bdoes not (?:exist|contain|include|have|allow)\b|\bdid not\b|\bnever\b|\bunset\b|\bno such\b)")
LIMIT = re.compile(r"(?i)\b(limits?|quotas?|max(?:imum)?|capacity|allowed|provisioned|ulimit|threshold|ceiling|cap|"
                   r"max_\w+|\w+_max|nofile|applied quota value|burst|reserved|allocatable)\b")
SATURATED = re.compile(r"(?i)\b(?:falling to|fell to|drops? to|dropped to|reach(?:es|ed)?|hits?|at)\s+0(?:\.0+)?\s*%?(?![\d.])|"
                       r"(?<![\d.])0(?:\.0+)?\s*%(?!\w)|(?<![\d.])100(?:\.0+)?\s*%(?!\w)|\bexhaust\w*|\bdepleted\b|\bsaturat\w*|"
                       r"\bmaxed\b|\bat (?:the )?(?:limit|max\w*|cap|ceiling|quota)\b|\bfull\b")
CONFIG_KEYS = re.compile(r"(?i)(timeout|idle|keep-?alive|mtu|ndots|ttl|port|cidr|route|gateway|endpoint|policy|rule|"
                         r"version|image|tag|memory|cpu|replicas|size|type|enabled|disabled|limit|max|min|subnet|"
                         r"security|listener|protocol|setting|config|flag|env|value|retention|interval|threads|pool|"
                         r"nameserver|search|assignpublicip|ssl|tls|cert|cipher)")
# Numbers with units, for limits against usage.
QUANTITY = re.compile(r"(?i)(?<![\w.])(\d+(?:\.\d+)?)\s*(%|ms|s|sec|seconds|min|mi|gi|ki|mib|gib|kib|mb|gb|kb|tb|m|"
                      r"iops|vcpus?|cpus?|cores?|connections|conns|files|fds|requests|req/s|rps|tasks|pods|threads)(?![\w/])")
# The customer's own deadline ("tournament at 19:00", "before Friday").
DEADLINE = re.compile(r"(?i)([^.!?\n]*\b(?:before|by|until|deadline|tournament|launch|go-live|starts? at|starting at|"
                      r"cut-?over|market open|trading opens?|sale starts?)\b[^.!?\n]*\d[^.!?\n]*)")
TIME_REPORTED = re.compile(r"(?i)\b(?:since|from|starting|started|began|beginning|after)\s+(?:at\s+)?(?:about|around|approx\.?|"
                           r"approximately|roughly|~)?\s*(\d{1,2}(?::\d{2})?\s*(?:am|pm)?(?:\s*(?:utc|gmt|[A-Z]{2,5}T|"
                           r"[+-]\d{2}:?\d{2}|(?:[A-Z][a-z]+\s+)?(?:local\s+)?time))?)")
# Impact in numbers ("4 of 40 tasks", "30% of requests").
IMPACT = re.compile(r"(?i)\b(\d+\s+(?:of|out of)\s+\d+\s+\w+|\d+(?:\.\d+)?\s*%\s+of\s+\w+(?:\s+\w+)?|all\s+(?:of\s+)?(?:our\s+)?\w+s)\b")
# A command line in pasted output.
COMMAND = re.compile(r"^\s*(?:\$|#|>|PS[^>]*>|\[[^\]]+\][$#]|[\w.-]+@[\w.-]+[:~][^$#]*[$#]|[\w.-]+[$#])\s*(?:sudo\s+(?:-\w+\s+)*)?(\S.*)$")
COMMAND_WORDS = re.compile(r"^\s*(?:aws|kubectl|docker|curl|dig|nslookup|nc|ss|netstat|ip|df|free|top|vmstat|iostat|"
                           r"systemctl|journalctl|dmesg|cat|grep|openssl|traceroute|mtr|ping|ulimit|sysctl|helm|gcloud|az|"
                           r"terraform|git|ps|lsof|uptime|mpstat|pidstat|sar|tail|ls|stat|find|ssh|head|du|mount|lsblk|iptables|nft|"
                           r"getent|id|env|printenv|crontab|last|who|w|date|timedatectl|chronyc|ntpq|java|jcmd|node|"
                           r"python3?|psql|mysql|redis-cli|aws\w*|eksctl|az|ecs-cli)\b")

# Evidence that rules a hypothesis out: (evidence pattern, hypothesis predicate over the
# hypothesis' layer, side and lead case text, why). Read as: when the case shows X, a
# hypothesis of kind Y is contradicted.
_AUTHZ = re.compile(r"(?i)\b(permission|denied|accessdenied|iam|role|policy|credential|unauthori[sz]ed|forbidden|"
                    r"not authorized|getauthorizationtoken|403|401)\b")
CONTRADICTIONS: list[tuple[re.Pattern, object, str]] = [
    (re.compile(r"(?i)(i/o timeout|timed out|connection timed out|dial tcp [^ ]+: (?:i/o )?timeout|no route to host)"),
     lambda layer, side, lead: layer != "network" and bool(_AUTHZ.search(lead)),
     "a timeout means no answer came back; an authorization failure answers at once (AccessDenied, 403)"),
    (re.compile(r"(?i)(\bworks?\b(?: fine)? from|\bsucceeds? from|\bstill (?:run\w*|work\w*|serv\w*)|(?:other|remaining) "
                r"(?:az|availability zones?|zones?|regions?)\b.*\b(?:healthy|fine|normal|ok|unaffected))"),
     lambda layer, side, lead: side == "provider" or layer == "provider",
     "the same service works from elsewhere, so it is up: the difference is on the affected side"),
    (re.compile(r"(?i)\b(AccessDenied|AccessDeniedException|UnauthorizedOperation|not authorized to perform|403 Forbidden)\b"),
     lambda layer, side, lead: layer == "network",
     "an explicit denial shows the request reached the service"),
    (re.compile(r"(?i)\b(?:no (?:open |active |current )?(?:events?|issues?|incidents?)|all services (?:are )?operating normally|"
                r"no scheduled events)\b"),
     lambda layer, side, lead: layer == "provider" or side == "provider",
     "the provider's health view shows no event for these resources"),
    (re.compile(r"(?i)\b(?:nothing else changed|same (?:image|version|tag|release|build|code)|no (?:code|application) change)"),
     lambda layer, side, lead: layer == "application",
     "the customer reports no application change (same version)"),
]

SIDE_PHRASE = {"customer": "customer-side", "provider": "provider-side", "third-party": "third-party", "unknown": "side unknown"}
LAYER_PHRASE = {"network": "network", "os": "operating-system", "container": "container", "storage": "storage",
                "application": "application", "capacity": "capacity or quota", "provider": "provider-platform",
                "unknown": "unclassified"}


def fold(text: str) -> str:
    """Lowercase with whitespace folded: the form cues are matched on."""
    return " ".join((text or "").lower().split())


def layers_of(text: str) -> dict[str, int]:
    """How many cues of each layer the text holds (one count per cue)."""
    t = fold(text)
    return {layer: n for layer, cues in LAYER_CUES.items() if (n := sum(1 for c in cues if c in t))}
