# The unified customer view, read line by line by a screen reader or the speech engine.
# Amounts and counts arrive already formatted for the form (display or speech).

view-greeting = { $name }，您好。这是您的账户概览，{ $freshness }更新。
view-local-changes = 部分信息是您在本机的操作，银行尚未确认。
# 银行发来、这个版本的应用读不懂的记录：没有显示，或者还是上次的样子（账户会说明是多久以前的）。
view-records-left-out = 这个版本的应用无法读取银行发来的部分记录，有些信息可能缺少或不是最新的。更新应用后就能正常显示。
view-empty = 本机还没有您的账户信息。请连接网络后同步。
store-rebuilt = 本机保存的数据无法读取，已重新建立。请连接网络重新同步，您的账户和资金不受影响。

view-heading-accounts = 账户
view-heading-bills = 待缴账单
view-heading-pending = 处理中的交易
view-heading-recent = 最近交易
view-heading-cards = 银行卡
view-heading-alerts = 提醒
view-heading-service = 网点预约与服务工单

# $account: the bank's name for the account; $masked: "尾号6217".
view-account-deposit = { $account }，{ $masked }，可用余额{ $available }{ $differs ->
    [yes] ，账面余额{ $booked }
   *[no] {""}
}（{ $freshness }更新）。
view-account-time-deposit = { $account }，{ $masked }，本金{ $booked }，{ $matures }到期（{ $freshness }更新）。
view-account-credit-card = { $account }，{ $masked }，{ $standing ->
    [credit] 不欠钱，多存了{ $owed }
   *[owe] 共欠款{ $owed }
}，可用额度{ $available }（{ $freshness }更新）。
view-account-loan = { $account }，{ $masked }，{ $standing ->
    [credit] 已还清，多付了{ $owed }
   *[owe] 还欠{ $owed }
}（{ $freshness }更新）。
view-funds-total = 存款账户可用资金合计{ $amount }。

# $held：yes 表示她的一笔付款（银行暂时保留着）已经在付这张账单；保留期满前银行仍显示待缴。
view-bill = { $biller }，{ $amount }，{ $held ->
    [yes] 您已经为这张账单付过一笔款
   *[no] { $due }
}。
view-no-bills = 近期没有待缴账单。
due-today = 今天到期
due-tomorrow = 明天到期
due-in-days = { $count ->
   *[other] { $n }天后到期
}
due-overdue = { $count ->
   *[other] 已逾期{ $n }天
}

view-pending-transaction = { $direction ->
    [in] 待入账
   *[out] 待支出
}{ $amount }，{ $counterparty }，{ $when }。
view-no-pending = 没有处理中的交易。

view-transaction = { $date }，{ $counterparty }，{ $direction ->
    [in] 收入
   *[out] 支出
}{ $amount }。
view-transaction-pending = { $date }，{ $counterparty }，{ $direction ->
    [in] 待入账
   *[out] 待支出
}{ $amount }。

# $status: locked, active, or a lock (unlock) asked for on this phone that the bank has not
# confirmed yet.
view-card = { $card }，{ $masked }，{ $status ->
    [locked] 已锁定
    [lock_pending] 已申请锁定，银行还没有确认
    [unlock_pending] 已申请解锁，银行还没有确认
   *[active] 正常使用
}。

view-payees = 常用收款人：{ $names }。

view-alerts-unread = { $count ->
   *[other] 您有{ $n }条未读提醒。
}
view-alert = { $kind ->
    [large_transaction] 大额交易提醒
    [low_balance] 余额偏低提醒
    [new_device_login] 新设备登录提醒
    [new_device_added] 新设备已添加提醒
    [bill_due] 账单到期提醒
   *[card_locked] 银行卡已锁定
}，{ $when }。

view-service-request = { $channel ->
    [branch] { $location }预约
    [phone] 电话客服工单
   *[online] 在线服务申请
}，编号{ $reference }，{ $status ->
    [scheduled] 时间是{ $when }
   *[open] 正在处理
}。

view-heading-requests = 等待银行处理的请求
# $action: what the customer asked for; $state: pending or refused; $reason: why the bank refused.
view-request = { $action }，{ $state ->
    [refused] 银行没有接受：{ $reason }
   *[pending] 正在等待银行确认
}。
# $card: the card's name and its masked number.
request-lock-card = 锁定{ $card }
request-unlock-card = 解锁{ $card }
request-mark-alert-read = 把一条提醒标为已读
request-set-preferences = 更改语音和显示设置
request-other = 一项请求
request-reason = { $code ->
    [not_found] 找不到这一项
    [limit_exceeded] 超过了每日限额
    [insufficient_funds] 可用余额不足
    [step_up_failed] 身份确认没有通过
    [challenge_expired] 确认已过期，请重新操作
    [not_cancellable] 已经不能取消
    [new_device_cooling_off] 这部手机刚添加，头一天只能转小额
    [device_revoked] 这部手机已从您的账户停用
    [step_up_cancelled] 身份确认没有完成
    [on_device] 手机上没能准备好这笔付款，它没有发到银行
    [bank_unavailable] 银行暂时无法办理
    [cancelled] 银行已经取消了这笔付款
    [details_changed] 我念给您听以后，银行那边的信息变了，请再说一遍，我按现在的信息念给您听
    [device_key_lost] 这部手机的指纹或锁屏改过，付款密钥已经失效，要重新向银行登记这部手机
   *[other] 银行拒绝了这个请求
}
view-payments-unresolved = { $count ->
   *[other] 有{ $n }笔付款正在与银行核对结果，不会重复扣款。
}
