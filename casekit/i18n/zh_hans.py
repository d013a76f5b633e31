"""Taiwan wording to mainland wording, for the Simplified catalogue (casekit.i18n.hans).

The zh-Hans catalogue is the zh-Hant one in Simplified characters; characters alone would
keep Taiwan's words (网路, 记忆体, 程式, 档案, 逾时). These are the words casekit's own
sentences use, written as in casekit.i18n.zh_hant (Traditional) on the left and as a
mainland reader writes them on the right. Applied longest first, to catalogue text only:
never to a customer's text, quoted evidence or identifiers, which are filled in later.
"""
from __future__ import annotations

TERMS: dict[str, str] = {
    # a longer phrase first where the short word would read wrong in it
    "程式碼": "代码", "執行個體": "实例", "執行緒": "线程", "執行中": "运行中", "參考資料": "参考资料",
    "檔案系統": "文件系统", "磁碟區": "卷", "負載平衡器": "负载均衡器", "可用區域": "可用区", "位元組": "字节",
    "筆紀錄": "条记录", "未設定": "未设置", "儲存案件": "保存案件", "已儲存": "已保存", "尚未儲存": "尚未保存",
    "從不儲存": "从不保存", "敬祝 順心": "顺祝商祺",
    # words
    "網路": "网络", "伺服器": "服务器", "記憶體": "内存", "程式": "程序", "資料庫": "数据库", "資料": "数据",
    "資訊": "信息", "訊息": "信息", "預設": "默认", "檔案": "文件", "連線": "连接", "逾時": "超时", "支援": "支持",
    "品質": "质量", "介面": "接口", "軟體": "软件", "硬體": "硬件", "帳號": "账号", "回報": "反馈", "設定": "配置",
    "指令": "命令", "叢集": "集群", "磁碟": "磁盘", "相依": "依赖", "回傳": "返回", "呼叫": "调用", "節流": "限流",
    "位元": "比特", "作業系統": "操作系统", "儲存": "存储", "位址": "地址", "裝置": "设备", "尖峰": "高峰",
    "工作天": "工作日", "管線": "流水线", "處理量": "吞吐量", "稽核": "审计", "基礎架構": "基础设施", "擴縮": "扩缩容",
    "檢視": "视图", "點選": "点击", "匯出": "导出", "載入": "加载", "紀錄": "记录", "套用": "应用", "產業": "行业",
    "嚴重度": "严重程度", "開案": "开单", "主旨": "主题", "回覆": "回复", "回應": "响应", "本檔": "本文件",
    "字串": "字符串", "效能": "性能", "搜尋": "搜索", "開啟": "打开", "貼上": "粘贴", "結帳": "结账", "推論": "推断",
}
