# The voice assistant's replies. Short sentences, one question at a time.
# Amounts arrive in words for speech; $masked arrives as "尾号…".

dlg-help = 您可以说：查余额、{ $has_payee ->
    [yes] 给{ $payee }转两百块、
   *[no] {""}
}交电费、锁卡。随时说“取消”可以停止，说“再说一遍”我会重复，说“转人工”找客服。
dlg-not-understood = 没听明白。您可以说“查余额”{ $has_payee ->
    [yes] ，或者“给{ $payee }转两百块”
   *[no] {""}
}。
dlg-silence = 我还在，您慢慢说。
dlg-silence-help = 不着急。需要帮助的话，可以说“帮助”。
dlg-rate-changed = 好的。
dlg-volume-loudest = 这已经是我最大的声音了。请按手机侧面的音量键，把音量调大。
dlg-volume-quietest = 这已经是我最小的声音了，再小就听不见了。
dlg-handoff = 正在为您转接人工客服，请稍候。
dlg-cancelled = 好的，已取消。
dlg-cancelled-payment = 好的，已取消，钱没有转出。
dlg-nothing-to-confirm = 现在没有需要确认的事情。
dlg-see-screen = 好的，交易明细已经显示在屏幕上，我来为您读。
dlg-spending-total = 从{ $from }到{ $to }，一共支出{ $total }，共{ $count }笔。
dlg-no-data = 本机还没有您的账户信息，请连接网络后再试。

dlg-balance = { $account }，{ $masked }，可用余额{ $amount }。{ $fresh ->
    [no] 还没算上您刚才的付款。
   *[yes] {""}
}
dlg-balance-offline = { $account }，{ $masked }，可用余额{ $amount }。这是{ $minutes }分钟前的数据，现在连不上银行。{ $fresh ->
    [no] 还没算上您刚才的付款。
   *[yes] {""}
}
dlg-balance-owed = { $account }，{ $masked }，欠款{ $owed }{ $credit ->
    [yes] ，可用额度{ $amount }。
   *[no] 。
}{ $online ->
    [no] 这是{ $minutes }分钟前的数据，现在连不上银行。
   *[yes] {""}
}{ $fresh ->
    [no] 还没算上您刚才的付款。
   *[yes] {""}
}

dlg-ask-payee = 要转给谁？
dlg-ask-amount = 要转多少钱？
dlg-amount-not-positive = 金额要大于零。要转多少钱？
dlg-ask-biller = 要交哪一项费用？比如电费、燃气费、话费、水费。
dlg-ask-card = 要锁定哪一张卡？请说卡号的后四位，或者说“信用卡”“借记卡”。
dlg-ask-card-unlock = 要解锁哪一张卡？请说卡号的后四位，或者说“信用卡”“借记卡”。
dlg-no-card-locked = 您的卡都没有锁定，都可以正常使用。
dlg-every-card-locked = 您的卡都已经锁定了，别人用不了。
dlg-card-not-locked = { $masked }的卡没有锁定，可以正常使用。
dlg-card-already-locked = { $masked }的卡已经锁定了，别人用不了。
dlg-which-one = 您说的是{ $choices }？{ $by ->
    [ending] 请说账号的后四位。
   *[name] 请说全名。
}
dlg-unknown-payee = 您的常用收款人里没有这个人。为了安全，只能转给常用收款人：{ $payees }。新的收款人要先在柜台或网上银行添加。要转给谁？
dlg-unknown-payee-named = “{ $name }”不在您的常用收款人里。为了安全，只能转给常用收款人：{ $payees }。新的收款人要先在柜台或网上银行添加。要转给谁？
dlg-nothing-due = { $target }现在没有要交的账单。
dlg-insufficient = 可用余额只有{ $available }，不够转这么多。{ $fresh ->
    [no] 还没算上您刚才的付款。
   *[yes] {""}
}要转多少钱？
dlg-over-limit = 这超过了每天的转账限额{ $limit }。要转多少钱？
dlg-over-limit-left = 今天还能转{ $remaining }，每天的转账限额是{ $limit }。要转多少钱？
dlg-what-to-change = 好的，钱没有转出。要改哪一项：转给谁，还是转多少？
dlg-offline-no-payments = 现在连不上银行，不能转钱或缴费，钱不会被转出。您看到的余额是{ $minutes }分钟前的。网络恢复后再试。

# $new_payee, $large, $pressure: yes or no, the reasons for the warning.
dlg-scam-cue = { $cue_kind ->
    [pressure] 您说到“{ $cue }”。有人催您马上转钱，这常常是骗局。
    [secrecy] 您说到“{ $cue }”。有人让您瞒着家人转钱，这常常是骗局。
    [safe_account] 您说到“{ $cue }”。根本没有什么“安全账户”，让您把钱转进去的都是骗子。
    [authority] 您说到“{ $cue }”。公安、检察院、法院从不在电话里让人转账。
    [refund] 您说到“{ $cue }”。真的客服退款，不会让您先转钱。
    [task] 您说到“{ $cue }”。刷单返利都是骗局，转出去的钱要不回来。
    [prize] 您说到“{ $cue }”。中奖要先交钱的，都是骗局。
    [code] 您说到“{ $cue }”。验证码谁要都不能给。
    [gift_cards] 您说到“{ $cue }”。让您用购物卡付钱的，都是骗局。
    [family_emergency] 您说到“{ $cue }”。说家人出了事要钱时，先直接打电话给家人问问。
    [investment] 您说到“{ $cue }”。保证赚钱的投资常常是骗局。
   *[none] {""}
}
dlg-scam-story-heard = 请注意：{ dlg-scam-cue }
dlg-scam-warning = 请注意：{ $new_payee ->
    [yes] 您以前没有给{ $target }转过钱。
   *[no] {""}
}{ $large ->
    [yes] 这笔钱比您平时转的多很多。
   *[no] {""}
}{ dlg-scam-cue }可以先停一下，问问家人。还要继续吗？请说“对”或“不对”。

dlg-readback-transfer = 转给{ $target }，{ $masked }，{ $amount }，从您{ $from }的账户转出。对吗？请说“对”或“不对”。
dlg-readback-bill = 交{ $target }的费用，{ $masked }，{ $amount }，从您{ $from }的账户付款。对吗？请说“对”或“不对”。
dlg-bill-full-amount-only = { $target }只收整张账单的金额：{ $amount }，不能只交{ $asked }。
dlg-step-up = 请用指纹或密码确认这笔付款。
dlg-step-up-failed = 身份确认没有完成，钱没有转出。
dlg-sending = 正在办理，请稍候。
dlg-still-sending = 还在办理，请稍候。
dlg-payment-done = 办好了：{ $amount }已经付给{ $target }。
dlg-payment-held = 已提交：{ $amount }付给{ $target }。为了安全，这笔钱会等十分钟再转出，这期间您可以说“取消”。
dlg-payment-refused = 没有办成，钱没有转出：{ $reason }。
dlg-payment-not-sent = 连不上银行，这笔钱没有发出去，您的钱没有动。
dlg-payment-checking = 银行还没有回复，现在还不知道钱有没有转出。我正在向银行核实，请不要重复转账。
dlg-payment-still-checking = 银行还没有回复这笔付款。我会继续核实，请不要重复转账。
dlg-payment-unresolved = 上一笔付款还在核实中，等银行回复以后再转下一笔吧。
dlg-payment-cancelled = 已取消。银行已经停止付给{ $target }的{ $amount }，钱还在您的账户里。
dlg-cancel-refused = 银行没能取消付给{ $target }的{ $amount }：{ $reason }。
dlg-cancel-unknown = 没有收到银行的回复，还不能确定付给{ $target }的钱是否已经取消。您可以再说一次“取消”。
dlg-cannot-cancel-sent = 付给{ $target }的钱已经转出，现在不能取消了。

dlg-card-locked = 已为您锁定{ $masked }的卡。
dlg-card-unlocked = 已为您解锁{ $masked }的卡。
dlg-readback-unlock = 要解锁{ $masked }的卡吗？解锁以后，拿到这张卡的人就又能用它了。请说“对”或“不对”。
dlg-step-up-unlock = 请用指纹或密码确认解锁这张卡。
dlg-unlock-step-up-failed = 身份确认没有完成，{ $masked }的卡仍然锁着。
dlg-unlock-kept-locked = 好的，{ $masked }的卡仍然锁着。
dlg-card-lock-queued = 现在连不上银行。一连上银行，就会锁定{ $masked }的卡。
dlg-card-unlock-queued = 现在连不上银行。一连上银行，就会解锁{ $masked }的卡。
dlg-card-lock-unconfirmed = 已经请银行锁定{ $masked }的卡，还没收到银行的确认。我会再发，确认了告诉您。
dlg-card-unlock-unconfirmed = 已经请银行解锁{ $masked }的卡，还没收到银行的确认。我会再发，确认了告诉您。
dlg-card-action-refused = 银行没有受理{ $masked }的卡的这个请求，卡的状态没有变：{ $reason }。

# Labels of a typed conversation in the desktop harness.
chat-you = 您
chat-assistant = 助手
chat-step-up-approved = ［桌面演示：设备密钥已确认身份］
chat-speech-rate = ［语速：{ $rate }%］
chat-volume = ［音量：{ $volume }%］
chat-heard = ［听到：{ $text }］
chat-handoff = ［正在转接人工客服］
