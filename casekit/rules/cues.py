"""The cue tables: words that point at a layer, mark a change, a healthy comparison, an
absence, a limit, or rule a hypothesis out. One home for every such list, so that signs,
evidence and reasoning read the same words; each language has its own table here.

English cues are the regexes below and `LAYER_CUES`; Chinese cues are `ZH` (same names,
lower case) and `ZH_LAYER_CUES` (same layers). Chinese entries are words or small regex
fragments written in Traditional characters: Simplified text and full-width forms reach
them through `lang.normalize_text`, which every pattern here reads text through (they are
`lang.Rx`: ASCII word boundaries, so an English token inside a Chinese sentence is a word).
The tables are data; `lang.cue` joins a cue's English pattern and Chinese words.

Layer cues are matched on the normalised text, lowercased with whitespace folded; a layer
cue is a plain substring.
"""
from __future__ import annotations

import re

from ..text.lang import Rx, cue, normalize_text
from ..text.time import ZONE_WORDS

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
                "elb_status_code", "target_status_code", "keepalive_timeout", "search ", "nameserver", "dhcp",
                "domain-name-servers"),
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
                 "too many connections", "port exhaustion", "insufficient", "reached the limit", "vcpu limit",
                 "aws/usage", "resourcecount"),
    "provider": ("aws health", "health dashboard", "availability zone", "az impairment", "hardware", "retirement",
                 "degraded", "underlying host", "service event", "scheduled event", "instance status check",
                 "system status check", "system-reboot", "instance-retirement", "operational issue", "status page", "system-maintenance", "impaired",
                 "statuscheckfailed_system", "underlying hardware", "increased error rates", "service health",
                 "personal health", "az id", "-az1", "-az2", "-az3"),
}


# --------------------------------------------------------------------------- Chinese

_NOT = "(?<!沒有)(?<!沒有任何)(?<!無法)(?<![沒未無不])"  # a word not negated just before it ('沒有錯誤', '未變更')
# a clock time: '13:30', '2點', '下午1點半', '晚上 11 點 15 分', '下午兩點' (a Chinese numeral needs its
# part of day: '一點' alone is 'a little')
_CLOCK = (r"(?:(?:凌晨|清晨|早上|上午|中午|下午|傍晚|晚上|半夜|今晚)\s*(?:[零一二兩三四五六七八九十]{1,3}|\d{1,2})|"
          r"(?<![\d:.])\d{1,2})\s*(?::\d{2}(?![\d:])|[點時](?:\s*半|\s*(?:\d{1,2}|[零一二三四五六七八九十]{1,3})\s*分|"
          r"\s*\d{1,2}(?!\d))?)")
_DAY = r"(?:今天|今晚|今日|明天|明早|明晚|後天|本週|下週|週[一二三四五六日末]|星期[一二三四五六日天]|月底|月初|年底)"

ZH_LAYER_CUES: dict[str, tuple[str, ...]] = {
    "network": ("網路", "網絡", "路由", "預設路由", "默認路由", "安全群組", "安全組", "網路acl", "防火牆", "dns解析",
                "域名解析", "名稱解析", "解析失敗", "連線逾時", "連線超時", "連接逾時", "連接超時", "拒絕連線", "連線被拒",
                "連接被拒", "拒絕連接", "連線重置", "連接重置", "連不上", "無法連線", "無法連接", "子網", "閘道", "網關",
                "負載平衡", "負載均衡", "憑證", "證書", "握手", "丟包", "封包", "頻寬", "帶寬", "連接埠", "端口", "對等連線",
                "專線", "代理伺服器", "代理服務器", "公有ip", "公網ip", "彈性ip", "彈性 ip", "私有連結", "終端節點"),
    "os": ("內核", "作業系統", "操作系統", "磁碟空間", "磁碟已滿", "磁碟滿", "空間不足", "硬碟空間", "記憶體不足", "內存不足",
           "檔案描述符", "文件描述符", "開啟檔案數", "打開文件數", "權限被拒", "權限不足", "時鐘", "時間同步", "時鐘偏移",
           "掛載", "系統日誌", "開機", "系統負載", "交換空間", "檔案系統", "文件系統", "排程任務", "定時任務", "服務未啟動"),
    "container": ("容器", "映像檔", "映像", "鏡像", "拉取映像", "拉取鏡像", "任務定義", "執行角色", "任務角色", "重啟次數",
                  "重新啟動次數", "被終止", "記憶體上限", "記憶體限制", "內存上限", "內存限制", "存活探針", "就緒探針", "探針",
                  "副本數", "節點選擇", "汙點", "污點", "叢集", "集群"),
    "storage": ("磁碟", "磁碟區", "儲存", "存儲", "磁碟延遲", "讀寫延遲", "讀取延遲", "寫入延遲", "吞吐量", "輸送量",
                "佇列長度", "隊列長度", "快照", "儲存貯體", "存儲桶", "生命週期", "檔案儲存", "區塊儲存", "塊存儲", "突增餘額",
                "高載餘額", "爆發餘額"),
    "application": ("例外", "堆疊追蹤", "堆棧", "連線池", "連接池", "部署", "發布", "發佈", "上線", "版本", "回滾", "設定檔",
                    "配置檔", "配置文件", "程式碼", "代碼", "記憶體洩漏", "記憶體泄漏", "內存洩漏", "內存泄漏", "依賴", "相依",
                    "環境變數", "環境變量", "空指標", "空指針", "執行緒池", "線程池", "功能開關", "新版本", "改版", "資料庫遷移",
                    "數據庫遷移", "應用程式", "應用程序"),
    "capacity": ("配額", "限額", "限流", "節流", "請求過多", "請求太多", "速率限制", "頻率限制", "超過上限", "超出上限",
                 "達到上限", "超過限制", "超出限制", "超出配額", "超過配額", "容量不足", "資源不足", "擴容", "自動擴展",
                 "自動擴縮", "並發", "併發", "最大連線數", "連線數上限", "最大連接數", "額度", "預留", "突發"),
    "provider": ("可用區", "可用區域", "硬體", "硬件", "底層主機", "底層硬體", "服務事件", "排定事件", "計劃事件", "狀態檢查",
                 "系統狀態檢查", "健康儀表板", "運作狀態儀表板", "運行狀況", "服務降級", "區域性故障", "退役", "維護事件",
                 "服務中斷"),
}

ZH: dict[str, tuple[str, ...]] = {
    # errors, timeouts, refusals: an error line (signs and evidence)
    "error": (f"{_NOT}錯誤", f"{_NOT}失敗", f"{_NOT}異常", f"{_NOT}報錯", "出錯", "故障", "逾時", "超時", "拒絕", "被拒",
              "無法", "(?<!能)不能", "連不上", "連不到", "打不開", "起不來", "啟動不了", "崩潰", "當機", "宕機", "掛掉", "掛了", "中斷",
              "斷線", "斷開", "掉線", "卡住", "無回應", "沒有回應", "沒回應", "遺失", "丟失", "丟包", "溢位", "溢出", "耗盡",
              "用盡", "已滿", "滿了", "不足", "被殺", "被終止", "權限不足", "拒絕存取", "存取被拒", "未授權", "禁止存取",
              "找不到", "過期", "損壞", "不一致", "不可用", "無效", "非法", "致命", "例外", "拋出", "不健康", "不正常",
              "反覆重啟", "反復重啟", "一直重啟", "不斷重啟", "重啟循環"),
    "warning": ("警告", "告警", "降級", "重試", "緩慢", "變慢", "很慢", "偏高", "升高", "飆高", "飆升", "暴增", "延遲", "卡頓",
                "棄用", "即將過期", "快滿"),
    # a change (deployments, configuration, versions): the usual suspect
    "change": (f"{_NOT}部署", f"{_NOT}上線", f"{_NOT}更新", "回滾", "回退", "還原", f"{_NOT}變更", f"{_NOT}升級",
               f"{_NOT}調整", "換了", "換成", "改了", "改成", "改為", f"{_NOT}修改", f"{_NOT}更改", f"{_NOT}更動",
               f"{_NOT}改動", f"{_NOT}遷移", "搬遷", "搬到", "移到", "移至", f"{_NOT}發布", f"{_NOT}發佈", "釋出",
               "重啟了", "重新啟動了", "重開了", "新增了", "加了", "刪除了", "刪掉", "被刪除", "已刪除", "移除了", "被移除",
               "已移除", "建立了", "創建了", "套用了", "啟用了", "停用了", "關閉了", "開啟了", "擴容", "縮容", "輪替",
               "更換了", "更換成", "替換了", "替換成", "切換到", "切換了", "切換成", "合併了", "合並了", "上版", "新版本", "改版",
               "打補丁", "修補", "續期", "降版", "降級到", "重新配置", "重新設定"),
    # a change named without a time: a deployment or a change record
    "deployed": (f"{_NOT}部署", f"{_NOT}上線", f"{_NOT}發布", f"{_NOT}發佈", "釋出", "回滾", "變更紀錄", "變更記錄",
                 "改版", "上版", "新版本"),
    # what still works: the is-not side
    "healthy": ("(?<![不非])正常", "沒問題", "沒有問題", "無問題", "沒有錯誤", "沒有任何錯誤", "無錯誤", "無異常", "沒有異常",
                "沒異常", "沒有影響", "沒受影響", "不受影響", "未受影響", "仍然可以", "仍可", "還是可以", "還能", "依然可以",
                "都可以", "成功", "健康(?!檢查)", "其他.{0,24}?(?:都|也|皆|均|仍|還)(?:正常|沒問題|可以|成功|ok|OK|健康)",
                "只有.{0,24}?(?:受影響|有問題|會|出問題)", "(?:以前|之前|原本)(?:都|是|也)?(?:正常|可以|沒問題)",
                "舊的?(?:子網|版本|節點|環境|叢集).{0,12}(?:正常|可以|沒問題|仍|還)", "測試環境", "預備環境", "相比", "對比",
                "不同於"),
    # what is absent: an empty result, a missing route, a stopped service
    "absence": ("(?<!是)沒有(?!(?:任何)?(?:錯誤|問題|異常|報錯|影響|變更|改動|更動|修改|部署|回應|改|動))", "缺少", "缺失",
                "缺了", "找不到", "不存在", "為空", "是空的", "空的", "空白", "未設定", "未設置", "未配置", "沒設定", "沒設",
                "未啟用", "沒啟用", "沒開", "未開啟", "未安裝", "沒裝", "未掛載", "未附加", "未關聯", "未綁定", "未連結",
                "未找到", "未列出", "已停用", "停用", "已關閉", "未執行", "沒在跑", "未運行", "已停止", "停止了",
                r"只有\s*(?:local|本地|本機|一條|一個|1\s*條|預設|默認)", "只剩", r"無(?=[\sA-Za-z0-9])", "無任何", "無路由",
                "無預設路由", "無紀錄", "無記錄", "無結果", "無資料", "無目標", "無端點", "零個", r"(?<![\d.])0\s*個"),
    "limit": ("上限", "限制", "配額", "限額", "最大", "最多", "額度", "容量", "閾值", "門檻", "封頂", "預留", "可分配", "允許",
              "規格"),
    "saturated": ("耗盡", "用盡", "用完", "已滿", "滿了", "爆滿", "塞滿", "飽和", "打滿", "吃滿", "跑滿", "達到上限",
                  "到達上限", "達上限", "觸及上限", "碰到上限", "頂到上限", "觸頂", "頂滿", "到頂", "全滿", "滿載"),
    "config_keys": ("逾時", "超時", "閒置", "保持連線", "連接埠", "端口", "路由", "閘道", "網關", "端點", "政策", "策略",
                    "規則", "版本", "映像", "鏡像", "標籤", "記憶體", "內存", "副本", "大小", "規格", "類型", "啟用", "停用",
                    "上限", "限制", "最大", "最小", "子網", "安全", "監聽", "協定", "協議", "設定", "設置", "配置", "參數",
                    "環境變數", "環境變量", "保留", "間隔", "執行緒", "線程", "連線池", "連接池", "名稱伺服器", "憑證",
                    "證書", "加密"),
    # HTTP statuses and exit codes named in Chinese ('狀態碼 503', '回傳 502', '退出碼 137')
    "http_prefix": ("狀態碼", "狀態", "回傳", "傳回", "返回", "回應", "響應"),
    "exit_prefix": ("退出碼", "退出代碼", "結束代碼", "結束碼", "離開代碼"),
    # the customer's own deadline: a sentence with a time or a day, and one of these words
    "deadline": ("(?:之前|以前)(?!都|是|也|正常|可以|沒問題|還)", "前要", "前必須", "前需要", "前得", "截止", "期限", "最晚",
                 "最遲", "上線前", "開賽", "比賽", "錦標賽", "賽事", "活動", "開盤", "開市", "交易時段", "大促", "促銷", "開賣",
                 "搶購", "發表會"),
    # impact in numbers ('40 個任務中有 4 個', '約 30% 的請求', '所有玩家')
    "impact": (r"\d+\s*個?\s*[\u4e00-\u9fff]{0,6}?(?:中|裡)(?:有|的)?\s*\d+\s*個", r"\d+\s*/\s*\d+\s*個\s*[\u4e00-\u9fff]{1,6}",
               r"\d+(?:\.\d+)?\s*%\s*的\s*[\u4e00-\u9fff]{1,8}", r"(?:所有|全部)(?:的)?\s*[\u4e00-\u9fff]{1,6}"),
    "reproduction": ("重現", "復現", "再現", "每次", "都會", "總是", "必現", "穩定出現", "間歇", "偶爾", "偶發", "不定時",
                     "時好時壞", "步驟", "可以觸發"),
    "need": ("需要", "希望", "請", "麻煩", "協助", "幫忙", "盡快", "儘快", "緊急", "修復", "解決", "變通", "暫時", "臨時",
             "根因", "根本原因", "恢復", "之前", "截止", "想知道", "想要", "修好", "處理", "排查", "原因", "報告"),
    "baseline": ("正常", "平常", "平時", "通常", "以前", "之前", "昨天", "上週", "基準", "原本", "一般", "平均"),
    "time_in_text": (_CLOCK,),
    "tz_in_text": ("本地時間", "當地時間", "時區", "東八區"),
    # evidence that rules a hypothesis out (see CONTRADICTIONS)
    "authz": ("權限", "拒絕存取", "存取被拒", "角色", "政策", "憑證", "未授權", "禁止", "認證"),
    "no_answer": ("逾時", "超時", "無回應", "沒有回應", "沒回應"),
    "works_elsewhere": ("其他(?:可用區|區域|地區|可用區域).{0,24}?(?:正常|沒問題|沒有問題|可以|成功|不受影響|未受影響)",
                        "(?:仍然|仍|還在|依然)(?:在)?(?:正常)?(?:運行|運作|服務|工作|跑)", r"從.{1,24}?(?:可以|能)(?:正常)?(?:連|存取|訪問|呼叫)"),
    "denial": ("拒絕存取", "存取被拒", "未獲授權", "沒有權限執行", "無權執行"),
    "no_provider_event": ("沒有(?:任何)?(?:開放|進行中|未結|目前)?的?(?:事件|故障通知)", "無(?:任何)?(?:事件|故障通知)",
                          "所有服務(?:都)?(?:運作|運行)正常", "沒有排定的?事件", "無排定事件"),
    "no_app_change": ("(?:程式碼|程式|代碼|應用程式|應用)(?:都)?(?:沒有|沒|未)(?:任何)?(?:改|變|動|更新|修改|變更)",
                      "沒有(?:任何)?(?:程式碼|程式|代碼|應用)?的?(?:變更|修改|改動|更動)", "其他都沒(?:有)?(?:改|變|動)",
                      "(?:同一個?|相同的?|一樣的?)(?:映像檔?|鏡像|版本|標籤|程式|代碼|image|tag|version|build)"),
    "no_throttling": ("沒有(?:任何)?(?:被)?(?:限流|節流)", "無(?:限流|節流)", "未(?:被)?(?:限流|節流)"),
    "same_change_fine": ("(?:同一份|同一個|同樣的|相同的?)[^。;]{0,16}?(?:變更|設定|配置|部署|版本)[^。;]{0,60}?(?:正常|沒有問題|沒問題|不受影響)",),
    # questions the case already answers (casekit.reasoning.questions.QUESTIONS)
    "answered_direct_check": ("連線逾時", "連接逾時", "連線超時", "連接超時", "拒絕連線", "連線被拒", "連接被拒", "無法連線",
                              "無法連接", "連不上"),
    "answered_container": ("退出碼", "結束代碼", "被終止", "反覆重啟", "反復重啟", "一直重啟", "不斷重啟"),
    "answered_throttling": ("限流", "節流", "配額", "請求過多", "速率限制"),
    "answered_previous": ("回滾", "回退", "舊版", "上一版", "前一版", "退回"),
}

# --------------------------------------------------------------------------- both languages

# A change shortly before the onset is the usual suspect.
CHANGE = cue(r"(?i)\b(chang\w*|deploy\w*|upgrad\w*|updat\w*|migrat\w*|moved|rolled|rollout|release\w*|terraform|"
             r"apply|applied|modif\w*|new version|patch\w*|renew\w*|replac\w*|switch\w*|rotat\w*|enabled|disabled|"
             r"created|deleted|removed|scaled|resized|restarted|reconfigur\w*|merged|cutover|promot\w*)\b|"
             # an API call that changes something, as CloudTrail names it (AssociateDhcpOptions, PutBucketPolicy)
             r"(?-i:\b(?:Associate|Disassociate|Create|Delete|Modify|Put|Update|Attach|Detach|Replace|Authorize|Revoke|"
             r"Register|Deregister|Enable|Disable)[A-Z][A-Za-z]+\b)", ZH["change"])
# A change named without a time (a deployment, a change record).
DEPLOYED = cue(r"(?i)\b(change history|changelog|deployed|terraform|commit|rollout|release)\b", ZH["deployed"])
# What still works: the is-not side of the problem.
HEALTHY = cue(
    r"(?i)(\bstill (?:run\w*|work\w*|serv\w*|healthy|up|fine|ok|respond\w*)|\bworks?\b(?: fine| normally)?(?: from| on| in| with| for)?|"
    r"\bsucceed(?:s|ed)?\b|\bsuccessful(?:ly)?\b|\bunaffected\b|\bnot affected\b|(?<![-\w])healthy\b|"
    r"\bnormal(?:ly)?\b|\bfine\b|\bno (?:errors?|issues?|problems?)\b|\b200 OK\b|\bstatus: ok\b|\bother (?:az|availability zones?|zones?|regions?|"
    r"clusters?|nodes?|instances?|hosts?|pods?|services?|subnets?|environments?|accounts?)\b|\bstaging\b|\bold subnets?\b|"
    r"\bpreviously\b|\bbefore the (?:change|deploy\w*|upgrade|release|migration)\b|\bunlike\b|\bwhereas\b|\bcompared (?:to|with)\b)",
    ZH["healthy"])
# What is absent: an empty result, a missing route, a stopped service.
ABSENCE = cue(
    r"(?i)(^\s*[\[{(]\s*[\]})]\s*,?\s*$|:\s*(?:\[\s*\]|\{\s*\}|null|none|\"\")\s*,?\s*$|\bhas no\b|\bhave no\b|\bno (?:route|default route|"
    r"endpoints?|targets?|healthy|entries|records?|rules?|matching|such|answer|resources?|running|active|available|free|space)\b|"
    r"\bonly (?:the )?(?:local|one|1|default)\b|\bdisabled\b|\binactive\b|\(dead\)|\bnot (?:found|present|configured|set|"
    r"attached|associated|running|enabled|installed|reachable|allowed|listed|mounted|ready)\b|\bmissing\b|\babsent\b|\bempty\b|"
    r"\b0 (?:of|/) ?\d+\b|(?<![\d.])0/\d+\b|\bnone\b|\bno \w+ (?:messages|entries|logs|events|results|found)\b|\bnot in\b|\bwithout\b|"
    r"\bdoes not (?:exist|contain|include|have|allow)\b|\bdid not\b|\bnever\b|\bunset\b|\bno such\b)", ZH["absence"])
LIMIT = cue(r"(?i)\b(limits?|quotas?|max(?:imum)?|capacity|allowed|provisioned|ulimit|threshold|ceiling|cap|"
            r"max_\w+|\w+_max|nofile|applied quota value|burst|reserved|allocatable)\b", ZH["limit"])
SATURATED = cue(r"(?i)\b(?:falling to|fell to|drops? to|dropped to|reach(?:es|ed)?|hits?|at)\s+0(?:\.0+)?\s*%?(?![\d.])|"
                r"(?<![\d.])0(?:\.0+)?\s*%(?!\w)|(?<![\d.])100(?:\.0+)?\s*%(?!\w)|\bexhaust\w*|\bdepleted\b|\bsaturat\w*|"
                r"\bmaxed\b|\bat (?:the )?(?:limit|max\w*|cap|ceiling|quota)\b|\bfull\b", ZH["saturated"])
CONFIG_KEYS = cue(r"(?i)(timeout|idle|keep-?alive|mtu|ndots|ttl|port|cidr|route|gateway|endpoint|policy|rule|"
                  r"version|image|tag|memory|cpu|replicas|size|type|enabled|disabled|limit|max|min|subnet|"
                  r"security|listener|protocol|setting|config|flag|env|value|retention|interval|threads|pool|"
                  r"nameserver|search|assignpublicip|ssl|tls|cert|cipher)", ZH["config_keys"])
# Numbers with units, for limits against usage (Chinese units too: 秒, 毫秒, 分鐘, 核, 個連線, 個任務).
QUANTITY = Rx(r"(?i)(?<![\w.])(\d+(?:\.\d+)?)\s*(%|ms|s|sec|seconds|min|mi|gi|ki|mib|gib|kib|mb|gb|kb|tb|m|"
              r"iops|vcpus?|cpus?|cores?|connections|conns|files|fds|requests|req/s|rps|tasks|pods|threads|"
              r"毫秒|秒|分鐘|核|個連線|個連接|個任務)(?!\w|/[A-Za-z])")
# The customer's own deadline ("tournament at 19:00", "before Friday", "今晚 19:00 錦標賽開始前要修好").
_EN_SENTENCE = r"[^.!?。\n]"  # within a sentence ('！', '？' and '；' are read as '!', '?', ';')
_SENTENCE = r"[^.!?;。\n]"
DEADLINE = Rx(rf"(?i)({_EN_SENTENCE}*\b(?:before|by|until|deadline|tournament|launch|go-live|starts? at|starting at|"
              rf"cut-?over|market open|trading opens?|sale starts?)\b{_EN_SENTENCE}*\d{_EN_SENTENCE}*|"
              rf"{_SENTENCE}*?(?:(?:\d|{_DAY}){_SENTENCE}*?(?:{'|'.join(ZH['deadline'])})|"
              rf"(?:{'|'.join(ZH['deadline'])}){_SENTENCE}*?(?:\d|{_DAY})){_SENTENCE}*)")
TIME_REPORTED = Rx(r"(?i)\b(?:since|from|starting|started|began|beginning|after)\s+(?:at\s+)?(?:about|around|approx\.?|"
                   r"approximately|roughly|~)?\s*(\d{1,2}(?::\d{2})?\s*(?:am|pm)?(?:\s*(?:utc|gmt|[A-Z]{2,5}T|"
                   r"[+-]\d{2}:?\d{2}|(?:[A-Z][a-z]+\s+)?(?:local\s+)?time))?)")
# The start as a Chinese sentence says it: '台北時間約13:30 開始', '從下午2點起', '昨天下午1點半左右開始'.
TIME_REPORTED_ZH = Rx(
    rf"(?P<day>昨天|昨晚|昨日|前天|今天|今早|今晚|今日)?\s*(?P<zone>{ZONE_WORDS})?\s*(?:從|自|於|在)?\s*(?:約|大約|大概|差不多)?\s*"
    rf"(?P<time>{_CLOCK})\s*(?:左右|前後|許)?\s*(?P<zone2>[(]?\s*(?:{ZONE_WORDS})\s*[)]?)?\s*"
    r"(?:開始|起|以來|之後|後|發生|出現|就)")
# A Chinese clock time ('下午2點', '13:30', '下午1點半', '兩點十五分'), for the timeline.
CLOCK_ZH = Rx(_CLOCK)
# Impact in numbers ("4 of 40 tasks", "30% of requests", "40 個任務中有 4 個").
IMPACT = Rx(r"(?i)(\b(?:\d+\s+(?:of|out of)\s+\d+\s+\w+|\d+(?:\.\d+)?\s*%\s+of\s+\w+(?:\s+\w+)?|all\s+(?:of\s+)?(?:our\s+)?\w+s)\b|"
            + "|".join(ZH["impact"]) + ")")
REPRODUCTION = cue(r"(?i)\b(reproduc\w*|repro|every time|always|intermittent\w*|curl|steps to|can trigger|consistently)\b",
                   ZH["reproduction"])
NEED = cue(r"(?i)\b(need|want|please|workaround|fix|rca|root cause|restore|asap|before|deadline|help)\b", ZH["need"])
BASELINE = cue(r"(?i)\b(normal(?:ly)?|baseline|usual(?:ly)?|before|yesterday|last week|typical(?:ly)?|was \d|from \d+.* to \d+)\b",
               ZH["baseline"])
TIME_IN_TEXT = Rx(r"(?i)(\b\d{1,2}(?::\d{2})\s*(?:am|pm)?\b|\b\d{1,2}\s*(?:am|pm)\b|\bnoon\b|\bmidnight\b|" + _CLOCK + ")")
TZ_IN_TEXT = cue(r"(?i)\b(utc|gmt|[a-z]+/[a-z_]+|[+-]\d{2}:?\d{2}|cet|cest|est|edt|pst|pdt|cst|cdt|jst|ist|sgt|aest|"
                 r"bst|hkt|kst|taipei|tokyo|berlin|london|sydney|singapore|local time|\w+ time)\b", (*ZH["tz_in_text"], ZONE_WORDS))
# Errors and warnings in a line (signs and evidence).
ERROR = cue(
    r"(?i)\b(error|errors|fail\w*|fatal|did not|not connected|too many|panic|denied|refused|time[d ]?out|timeout|unreachable|exception|"
    r"killed|oom|out of memory|exhausted|throttl\w*|exceeded|no space|full|unable|cannot|can't|couldn't|invalid|"
    r"rejected|reset|dropping|dropped|unhealthy|critical|crit|emerg|alert|abort(?:ed)?|segfault|"
    r"crashloopbackoff|back-off|backoff|insufficient|not available|unavailable|refus\w+|mismatch|expired|"
    r"servfail|nxdomain|abnormal(?:ly)?|illegal|bad|corrupt\w*|i/o)\b", ZH["error"])
WARNING = cue(r"(?i)\b(warn(?:ing)?|degraded|retry(?:ing)?|retries|slow|high|elevated|deprecated|notice)\b", ZH["warning"])
# A command line in pasted output.
COMMAND = re.compile(r"^\s*(?:\$|#|>|PS[^>]*>|\[[^\]]+\][$#]|[\w.-]+@[\w.-]+[:~][^$#]*[$#]|[\w.-]+[$#])\s*(?:sudo\s+(?:-\w+\s+)*)?(\S.*)$")
COMMAND_WORDS = re.compile(r"^\s*(?:aws|kubectl|docker|curl|dig|nslookup|nc|ss|netstat|ip|df|free|top|vmstat|iostat|"
                           r"systemctl|journalctl|dmesg|cat|grep|openssl|traceroute|mtr|ping|ulimit|sysctl|helm|gcloud|az|"
                           r"terraform|git|ps|lsof|uptime|mpstat|pidstat|sar|tail|ls|stat|find|ssh|head|du|mount|lsblk|iptables|nft|"
                           r"getent|id|env|printenv|crontab|last|who|w|date|timedatectl|chronyc|ntpq|java|jcmd|node|"
                           r"python3?|psql|mysql|redis-cli|aws\w*|eksctl|az|ecs-cli)\b")

# Evidence that rules a hypothesis out: (evidence pattern, hypothesis predicate over the
# hypothesis' layer, side and lead case text, the catalogue key of why: casekit.i18n,
# 'against.*', written in the case's language). Read as: when the case shows X, a
# hypothesis of kind Y is contradicted.
_AUTHZ = cue(r"(?i)\b(permission|denied|accessdenied|iam|role|policy|credential|unauthori[sz]ed|forbidden|"
             r"not authorized|getauthorizationtoken|403|401)\b", ZH["authz"])
# The provider's health view shows nothing: it rules the provider out and points at no other layer.
NO_PROVIDER_EVENT = cue(r"(?i)\b(?:no (?:open |active |current )?(?:events?|issues?|incidents?)|all services (?:are )?"
                        r"operating normally|no scheduled events)\b", ZH["no_provider_event"])

CONTRADICTIONS: list[tuple[Rx, object, str]] = [
    (cue(r"(?i)(i/o timeout|timed out|connection timed out|dial tcp [^ ]+: (?:i/o )?timeout|no route to host)", ZH["no_answer"]),
     lambda layer, side, lead: layer != "network" and bool(_AUTHZ.search(lead)),
     "against.timeout"),
    (cue(r"(?i)(\bworks?\b(?: fine)? from|\bsucceeds? from|\bstill (?:run\w*|work\w*|serv\w*)|(?:other|remaining) "
         r"(?:az|availability zones?|zones?|regions?)\b.*\b(?:healthy|fine|normal|ok|unaffected))", ZH["works_elsewhere"]),
     lambda layer, side, lead: side == "provider" or layer == "provider",
     "against.works_elsewhere"),
    (cue(r"(?i)\b(AccessDenied|AccessDeniedException|UnauthorizedOperation|not authorized to perform|403 Forbidden)\b",
         ZH["denial"]),
     lambda layer, side, lead: layer == "network",
     "against.denied"),
    (NO_PROVIDER_EVENT,
     lambda layer, side, lead: layer == "provider" or side == "provider",
     "against.no_provider_event"),
    (cue(r"(?i)\b(?:nothing else changed|same (?:image|version|tag|release|build|code)|no (?:code|application) change)",
         ZH["no_app_change"]),
     lambda layer, side, lead: layer == "application",
     "against.no_app_change"),
    (cue(r"(?i)\b(?:throttl\w*|ThrottledRequests|Throttles)\b[^.;,，；。]{0,12}?(?:\bis\b|\bare\b|\bat\b|=|:|：|為|为|是)\s*0(?![\d.])|"
         r"\bno throttl\w*", ZH["no_throttling"]),
     lambda layer, side, lead: layer == "capacity",
     "against.no_throttling"),
    (cue(r"(?i)\bsame (?:change|config\w*|deploy\w*|policy|release)\b[^.;]{0,80}?\b(?:works?|fine|normal\w*|healthy|unaffected)\b",
         ZH["same_change_fine"]),
     lambda layer, side, lead: layer == "application",
     "against.same_change_fine"),
]


# Every language's layer cues, as layers_of reads them.
ALL_LAYER_CUES: dict[str, tuple[str, ...]] = {layer: words + ZH_LAYER_CUES.get(layer, ()) for layer, words in LAYER_CUES.items()}


def fold(text: str) -> str:
    """The form layer cues are matched on: normalised (full-width and Simplified folded, see
    `lang.normalize_text`), lowercase, whitespace folded."""
    return " ".join(normalize_text(text or "").lower().split())


def layers_of(text: str) -> dict[str, int]:
    """How many cues of each layer the text holds (one count per cue), in either language."""
    t = fold(text)
    return {layer: n for layer, cues in ALL_LAYER_CUES.items() if (n := sum(1 for c in cues if c in t))}
