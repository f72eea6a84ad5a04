# The voice assistant's replies. Short sentences, one question at a time.
# Amounts arrive in words for speech; $masked arrives as "尾号…".

dlg-help = 您可以说：查余额、{ $has_payee ->
    [yes] 给{ $payee }转两百块、
   *[no] {""}
}交电费、锁卡。随时说“取消”可以停止，说“再说一遍”我会重复，说“转人工”找客服。
dlg-hello = 您好。{ dlg-help }
dlg-welcome = 不客气。
dlg-goodbye = 再见，祝您生活愉快。
dlg-not-understood = 没听明白。您可以说“查余额”{ $has_payee ->
    [yes] ，或者“给{ $payee }转两百块”
   *[no] {""}
}。
dlg-silence = 我还在，您慢慢说。
dlg-silence-help = 不着急。需要帮助的话，可以说“帮助”。
dlg-rate-changed = 好的。
dlg-volume-loudest = 这已经是我最大的声音了。请按手机侧面的音量键，把音量调大。
dlg-volume-quietest = 这已经是我最小的声音了，再小就听不见了。
dlg-pitch-lowest = 这已经是我最低沉的声音。
dlg-pitch-highest = 这已经是我最高的音调，再高就不自然了。
dlg-handoff = 正在为您转接人工客服，请稍候。
dlg-bank-request = 好的，请稍等。
dlg-cancelled = 好的，已取消。
dlg-cancelled-payment = 好的，已取消，钱没有转出。
dlg-nothing-to-cancel = 现在没有正在办理的事情可以取消。
dlg-nothing-to-confirm = 现在没有需要确认的事情。
dlg-see-screen = 好的，交易明细已经显示在屏幕上，我来为您读。{ $stale ->
    [yes] 银行的数据是{ $age }更新的。
   *[no] {""}
}
dlg-no-transactions = 没有找到相关的交易记录。{ $stale ->
    [yes] 银行的数据是{ $age }更新的。
   *[no] {""}
}
dlg-cards = 您有{ $count }张卡：
dlg-no-cards = 您的账户下没有银行卡。
dlg-alerts = 您有{ $count }条未读提醒：
dlg-no-alerts = 您没有未读提醒。
# 一个月内到期的账单（含已逾期的），随后逐张读出。
dlg-bills = 这是您的{ $count }张账单：{ $stale ->
    [yes] 银行的数据是{ $age }更新的。
   *[no] {""}
}
dlg-no-bills = 您近一个月没有要交的账单。{ $stale ->
    [yes] 银行的数据是{ $age }更新的。
   *[no] {""}
}
# 问钱到没到账（"退休金到账了吗"）：最近几笔进账，随后逐笔读出。
dlg-income = 这是最近到账的{ $count }笔钱：{ $stale ->
    [yes] 银行的数据是{ $age }更新的。
   *[no] {""}
}
dlg-no-income = 没有找到到账的记录。{ $stale ->
    [yes] 银行的数据是{ $age }更新的。
   *[no] {""}
}
dlg-appointments = 您在银行有{ $count }项预约或服务工单：
dlg-no-appointments = 您在银行没有预约，也没有未办完的服务工单。
# $pending、$pending_count：$total 中银行尚未入账的部分及笔数。
# $biller：收钱的缴费单位、商家或人，按银行的写法。
dlg-spending-total = { $on ->
    [unsorted] 我能按类别算支出，比如买菜、吃饭、看病买药，也能按您付过钱的商家或人算，您说的这一项算不出来。下面是全部支出：
   *[other] {""}
}从{ $from }到{ $to }，{ $on ->
    [groceries] 买菜购物
    [dining] 吃饭
    [health] 看病买药
    [transport] 交通出行
    [shopping] 购物
    [utilities] 水电燃气等生活缴费
    [cash] 取现
    [fees] 手续费
    [biller] 付给{ $biller }的
   *[other] {""}
}一共支出{ $total }，共{ $count }笔。{ $pending_count ->
    [0] {""}
   *[other] 其中{ $pending_count }笔共{ $pending }银行还在处理，金额可能变化。
}{ $stale ->
    [yes] 这是按银行{ $age }更新的数据算的。
   *[no] {""}
}{ $fresh ->
    [no] 还没算上您刚才的付款。
   *[yes] {""}
}
dlg-spending-none = { $on ->
    [unsorted] 我能按类别算支出，比如买菜、吃饭、看病买药，也能按您付过钱的商家或人算，您说的这一项算不出来。下面是全部支出：
   *[other] {""}
}从{ $from }到{ $to }，没有{ $on ->
    [groceries] 买菜购物的
    [dining] 吃饭的
    [health] 看病买药的
    [transport] 交通出行的
    [shopping] 购物的
    [utilities] 水电燃气等生活缴费的
    [cash] 取现的
    [fees] 手续费
    [biller] 付给{ $biller }的
   *[other] {""}
}支出。{ $stale ->
    [yes] 这是按银行{ $age }更新的数据算的。
   *[no] {""}
}{ $fresh ->
    [no] 还没算上您刚才的付款。
   *[yes] {""}
}
dlg-no-data = 本机还没有您的账户信息，请连接网络后再试。

dlg-balance = { $account }，{ $masked }，{ $measure ->
    [principal] 本金
   *[available] 可用余额
}{ $amount }{ $maturity ->
    [yes] ，到期日{ $matures }
   *[no] {""}
}。{ $stale ->
    [yes] 这是银行{ $age }更新的数据。
   *[no] {""}
}{ $fresh ->
    [no] 还没算上您刚才的付款。
   *[yes] {""}
}
dlg-balance-offline = { $account }，{ $masked }，{ $measure ->
    [principal] 本金
   *[available] 可用余额
}{ $amount }{ $maturity ->
    [yes] ，到期日{ $matures }
   *[no] {""}
}。这是{ $age }的数据，现在连不上银行。{ $fresh ->
    [no] 还没算上您刚才的付款。
   *[yes] {""}
}
dlg-accounts-intro = 您有{ $count }个账户：
dlg-balance-owed = { $account }，{ $masked }，{ $standing ->
    [credit] 不欠钱，多存了{ $owed }
   *[owe] 欠款{ $owed }
}{ $credit ->
    [yes] ，可用额度{ $amount }。
   *[no] 。
}{ $due ->
    [yes] 还款日是{ $due_on }。
   *[no] {""}
}{ $online ->
    [no] 这是{ $age }的数据，现在连不上银行。
   *[yes] { $stale ->
        [yes] 这是银行{ $age }更新的数据。
       *[no] {""}
    }
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
dlg-payees = 您可以转账给这些常用收款人：{ $payees }。比如说“给{ $payee }转两百块”。
dlg-no-payees = 您还没有常用收款人。要先在网点或网上银行添加收款人，才能给对方转账。
# 账号、卡号只说后四位（$name：银行给账户或卡起的名字；$masked：“尾号6217”）。
dlg-number-account = { $name }的账号{ $masked }。
dlg-number-card = { $name }的卡号{ $masked }。
dlg-number-why = 为了安全，我只说后四位。{ $whose ->
    [payee] 完整的号码在网上银行的收款人里。
   *[hers] 完整的号码印在您的银行卡和对账单上。
}
dlg-unknown-payee = 您的常用收款人里没有这个人。为了安全，只能转给常用收款人：{ $payees }。新的收款人要先在柜台或网上银行添加。要转给谁？
dlg-unknown-payee-named = “{ $name }”不在您的常用收款人里。为了安全，只能转给常用收款人：{ $payees }。新的收款人要先在柜台或网上银行添加。要转给谁？
dlg-nothing-due = { $target }现在没有要交的账单。
dlg-cannot-pay-from = { $account }不能用来付款，付款要从活期账户或者储蓄账户出。
# 在她自己的账户之间转钱：不能转回同一个账户，也不能用语音转进定期或贷款。
dlg-move-which-account = 您说的是{ $choices }？请连同账号后四位再说一遍，比如“转五十块到尾号1234的账户”。
dlg-more-than-owed = 您的{ $account }只欠{ $owed }，还款不能超过欠款。要还多少？
dlg-card-owes-nothing = 您的{ $account }现在没有欠款，不用还。
dlg-move-same-account = 钱就是从{ $account }转出的，不能再转回这个账户，没有转钱。
dlg-cannot-move-to = 语音不能往{ $account }里转钱。定期存款和贷款要在网点或网上银行办理。
dlg-amount-other-currency = { $account }里是{ $currency ->
    [CNY] 人民币
    [USD] 美元
    [EUR] 欧元
    [GBP] 英镑
    [HKD] 港币
    [JPY] 日元
   *[other] { $currency }
}，不能付别的货币。
dlg-insufficient = 可用余额只有{ $available }，不够转这么多。{ $fresh ->
    [no] 还没算上您刚才的付款。
   *[yes] {""}
}要转多少钱？
dlg-over-limit = 这超过了每天的转账限额{ $limit }。要转多少钱？
dlg-over-limit-left = 今天还能转{ $remaining }，每天的转账限额是{ $limit }。要转多少钱？
dlg-what-to-change = 好的，钱没有转出。要改哪一项：转给谁，还是转多少？
dlg-offline-no-payments = 现在连不上银行，不能转钱或缴费，钱不会被转出。您听到的余额是{ $age }的。网络恢复后再试。

# $new_payee, $recent_payee: yes or no; $large: usual (much more than usual), half (more than half
# the account), no; then the scam cue heard: the reasons for the warning.
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
}{ $recent_payee ->
    [yes] { $target }是最近才添加的收款人。
   *[no] {""}
}{ $large ->
    [usual] 这笔钱比您平时转的多很多。
    [half] 这笔钱超过这个账户余额的一半。
   *[no] {""}
}{ dlg-scam-cue }可以先停一下，问问家人。还要继续吗？请说“对”或“不对”。

dlg-readback-transfer = 转给{ $target }，{ $masked }，{ $amount }，从您{ $from }的账户转出。对吗？请说“对”或“不对”。
dlg-readback-move = 转到您自己的{ $target }，{ $masked }，{ $amount }，从您{ $from }的账户转出。对吗？请说“对”或“不对”。
dlg-readback-bill = 交{ $target }的费用，{ $masked }，{ $amount }，从您{ $from }的账户付款。对吗？请说“对”或“不对”。
dlg-bill-full-amount-only = { $target }只收整张账单的金额：{ $amount }，不能交{ $asked }。
dlg-step-up = 请用指纹或密码确认这笔付款。
dlg-step-up-not-understood = 刚才那句没听清，钱还没有转出去。
dlg-step-up-failed = 身份确认没有完成，钱没有转出。
dlg-sending = 正在办理，请稍候。
dlg-still-sending = 还在办理，请稍候。
dlg-payment-done = 办好了：{ $amount }已经付给{ $target }。
dlg-payment-held = 已提交：{ $amount }付给{ $target }。为了安全，{ $minutes ->
    [0] 银行会先暂缓一小会儿再转出
   *[other] 这笔钱还要等{ $minutes }分钟才转出
}，这期间您可以说“取消”。
dlg-payment-refused = 没有办成，钱没有转出：{ $reason }。
dlg-payment-not-sent = 连不上银行，这笔钱没有发出去，您的钱没有动。
dlg-payment-checking = 银行还没有回复，现在还不知道钱有没有转出。我正在向银行核实，请不要重复转账。
dlg-payment-still-checking = 银行还没有回复这笔付款。我会继续核实，请不要重复转账。
dlg-payment-unresolved = 上一笔付款还在核实中，等银行回复以后再转下一笔吧。
dlg-payment-cancelled = 已取消。银行已经停止付给{ $target }的{ $amount }，钱还在您的账户里。
dlg-cancel-refused = 银行没能取消付给{ $target }的{ $amount }：{ $reason }。
dlg-cancel-unknown = 没有收到银行的回复，还不能确定付给{ $target }的钱是否已经取消。您可以再说一次“取消”。
dlg-cannot-cancel-sent = 付给{ $target }的钱已经转出，现在不能取消了。
dlg-confirm-cancel-held = 您付给{ $target }的{ $amount }，银行还在暂缓。要我请银行取消这笔付款吗？请说“对”或“不对”。
dlg-cancel-held-kept = 好的，不取消。付给{ $target }的{ $amount }会在暂缓结束后转出。
dlg-bill-held-already = 您刚才已经向{ $target }付款{ $amount }，不会再付一次。要撤回那笔付款，请说“取消”。
dlg-bill-paid-already = 您刚才已经向{ $target }付款{ $amount }，不会再付一次。

dlg-card-locked = 已为您锁定{ $masked }的卡。
dlg-card-unlocked = 已为您解锁{ $masked }的卡。
dlg-readback-unlock = 要解锁{ $masked }的卡吗？解锁以后，拿到这张卡的人就又能用它了。请说“对”或“不对”。
dlg-step-up-unlock = 请用指纹或密码确认解锁这张卡。
dlg-unlock-step-up-not-understood = 刚才那句没听清，卡没有解锁。
dlg-unlock-step-up-failed = 身份确认没有完成，{ $masked }的卡仍然锁着。
dlg-unlock-kept-locked = 好的，{ $masked }的卡仍然锁着。
dlg-card-lock-queued = 现在连不上银行。一连上银行，就会锁定{ $masked }的卡。如果卡丢了或被偷了，请说“转人工”，银行工作人员可以马上帮您止付。
dlg-card-unlock-queued = 现在连不上银行。一连上银行，就会解锁{ $masked }的卡。
dlg-card-lock-unconfirmed = 已经请银行锁定{ $masked }的卡，还没收到银行的确认。我会再发，确认了告诉您。如果卡丢了或被偷了，请说“转人工”，银行工作人员可以马上帮您止付。
dlg-card-unlock-unconfirmed = 已经请银行解锁{ $masked }的卡，还没收到银行的确认。我会再发，确认了告诉您。
dlg-card-action-not-sent = 现在连不上银行，{ $masked }的卡没有任何变化。请等手机联网后再试一次。
dlg-card-action-refused = 银行没有受理{ $masked }的卡的这个请求，卡的状态没有变：{ $reason }。

# Labels of a typed conversation in the desktop harness.
chat-you = 您
chat-assistant = 助手
chat-step-up-approved = ［桌面演示：设备密钥已确认身份］
chat-speech-rate = ［语速：{ $rate }%］
chat-volume = ［音量：{ $volume }%］
chat-pitch = ［音高：{ $pitch }%］
chat-heard = ［听到：{ $text }］
chat-consent-needed = ［应用显示同意页面：{ $purpose }］
chat-handoff = ［正在转接人工客服］
chat-bank-request = ［交给银行应用：{ $intent } { $slots }］

# 场景报告（`tingshuo scenario run`）的标签，用场景的语言。
report-title = 听说场景测试报告
report-summary = 共{ $total }个场景，{ $passed }个通过。
report-failures-first = 未通过的场景排在前面；每个场景里，未通过的检查和预期也排在前面。
report-contents = 场景
report-passed = 通过
report-failed = 未通过
report-file = 文件
report-locale = 语言
report-customer = 客户
report-clock = 时间
report-latency = 用时（毫秒）
report-latency-summary = 共{ $count }轮，一半在{ $median }毫秒以内，最慢{ $max }毫秒。
report-error = 场景没能跑完：{ $error }
report-checks-heading = 无障碍检查
report-check = 检查
report-clause = 条款
report-result = 结果
report-measured = 实测
report-findings = 发现的问题
report-none = 无
report-turn-number = 第{ $turn }轮
report-expectations-heading = 预期
report-turn = 轮次
report-expectation = 检查什么
report-expected = 预期
report-actual = 实际
report-turns-heading = 对话
report-input = 客户的操作
report-heard = 听到的话
report-intent = 理解成
report-state = 之后的状态
report-replies = 回答（先显示，后朗读）
report-audio-label = 第{ $turn }轮第{ $number }句回答的朗读
report-input-wav = 播放录音{ $file }
report-input-silence = 没有说话
report-input-step-up-approved = 身份确认：通过
report-input-step-up-failed = 身份确认：失败
report-input-step-up-automatic = 由测试程序回答：{ $result }
report-input-wait = 等待{ $ms }毫秒（设备可以在这期间再试）
report-input-bank = 银行情况变成：{ $condition }
report-input-consent-agreed = 在同意页面“{ $title }”上选择了“同意”
report-input-consent-declined = 在同意页面“{ $title }”上选择了“不用了”
report-condition-online = 在线
report-condition-offline = 离线，连不上
report-condition-refusal = 拒绝付款
report-condition-hold = 暂缓付款
report-condition-lost-answers = 付款的回复丢失
report-condition-step-up-failing = 身份确认失败
report-check-read-back = 动钱之前先复述并确认
report-check-one-question = 一次只问一个问题
report-check-redundant-entry = 说过的不再问
report-check-no-time-limit = 没有时间限制
report-check-speech-form = 显示的内容都会读出来
report-check-plain-language = 句子短，用词浅白
report-check-masked-data = 号码遮盖，不出现密码
report-check-answer-words = 提示让说的词能听懂
report-check-speech-rate = 每分钟语速（英文按词，汉语按字）
report-expect-intent = 意图
report-expect-messages = 说出的消息
report-expect-not-messages = 没说的消息
report-expect-words = 说出的词
report-expect-payment = 银行里的付款
report-expect-state = 之后的状态
report-expect-step-up = 要求身份确认
report-expect-card = 银行里的卡
report-finding-no-read-back = 没有经客户确认的复述就要动钱。
report-finding-questions = 一轮里有{ $count }个问题。
report-finding-asked-again = 客户已经说过{ $slot }，却又被问一遍。
report-finding-silence-unanswered = 客户没说话时没有语音提示。
report-finding-silence-ended = 客户没说话，对话就此结束。
report-finding-silence-moved = 客户没说话，对话从{ $from }变成{ $to }。
report-finding-nothing-said = 这一轮什么也没说。
report-finding-shown-not-said = 显示却没有读出：{ $text }
report-finding-step-up-unsaid = 要求身份确认，却没有说出来。
report-finding-long-sentence = 一句话有{ $length }个字（最多{ $max }个）：{ $sentence }
report-finding-jargon = 客户不容易懂的词：{ $word }
report-finding-c2-unmasked = { $place ->
    [display] 显示的文字
    [speech] 朗读的话
    [input] 输入的文字
    [heard] 听到的话
   *[log] 日志
    }里出现完整的账号、卡号、身份证号或手机号。
report-finding-long-number = { $place ->
    [display] 显示的文字
    [speech] 朗读的话
    [input] 输入的文字
    [heard] 听到的话
   *[log] 日志
    }里出现没有遮盖的号码。
report-finding-c3 = { $place ->
    [display] 显示的文字
    [speech] 朗读的话
    [input] 输入的文字
    [heard] 听到的话
   *[log] 日志
    }里出现密码或验证码。
report-finding-offered-not-understood = 提示让客户说“{ $words }”，助手却听不懂。
report-finding-rate = 每分钟{ $rate }，不在{ $low }到{ $high }之间。

# 之前发出的付款，收款人、收费单位或账户已不在她的资料里：结果照样告诉她，用这几个字代替名字。$kind：transfer、bill 或 move。
payment-target-unnamed = { $kind ->
    [bill] 您选的账单
    [move] 您选的账户
   *[transfer] 您选的收款人
}
