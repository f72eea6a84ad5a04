# Shared building blocks: masked numbers, dates, relative times, lists.
# Variables of every message must match en-US (a test checks it).

# $last4: the last four digits (spoken: one by one).
masked-ending = 尾号{ $last4 }
# $first, $last: first and last character of an ID number.
masked-id-number = 证件号码以{ $first }开头、以{ $last }结尾

date-month-day = { $month }月{ $day }日
# 可能在另一年的日期（到期日）：年在前。
date-year-month-day = { $year }年{ date-month-day }
time-of-day = { $pm ->
    [yes] 下午
   *[no] 上午
}{ $hour12 }:{ $minute }
date-and-time = { $date } { $time }

freshness-just-now = 刚刚
freshness-minutes-ago = { $count ->
   *[other] { $n }分钟前
}
freshness-hours-ago = { $count ->
   *[other] { $n }小时前
}
freshness-days-ago = { $count ->
   *[other] { $n }天前
}
freshness-on-date = { $date }

list-separator = 、
list-or = 还是
list-and = 和
# 同名的两项，用号码尾号区分："李伟（尾号1234）"。
choice-with-ending = { $name }（{ $masked }）

# 调用核心出错时，应用对客户说的话（bindings 的 describe()）：每个错误码一句，不含客户的数据。
# $reason：request-reason 的说法（102）。
app-error-offline = 现在连不上银行，没有动用任何资金。请过一会儿再试。
app-error-session-expired = 这部手机已经不能用来办理业务了。请用银行发来的验证码重新登记这部手机。
app-error-device-revoked = 这部手机已经从您的银行账户移除，手机上您的信息已经删除。要继续使用，请用银行发来的新验证码重新登记。
app-error-bank-intents = 这个应用的设置有问题，语音助手暂时不能用，请先在应用的页面上办理。

# 退出登录以后没办完的事（LogoutResult.describe）：第一句总是说，其余的有才说。$count：几个。
app-logout-done = 您已经退出，手机上您的信息已经删除。
app-logout-not-revoked = 没能通知银行这部手机已经不用了。请在您的另一部手机上移除它，或者打电话给银行。
app-logout-card-locks = 您要锁的{ $count }张卡，银行一直没有确认。请马上打电话给银行锁卡。
app-logout-requests = 您的另外{ $count }项申请，银行一直没有确认。
app-logout-payments = 有{ $count }笔付款正在核实，银行可以告诉您结果。
app-logout-unknown = 没能核实您之前办的事。请打电话给银行，确认锁卡和付款是否办好。
app-error-refused = 没有办成：{ $reason }。
app-error-store-rebuild = 手机上保存的信息损坏了，正在从银行重新取回您的信息。
app-error-store-newer = 手机上保存的信息是更新版本的应用写的。请更新应用。
app-error-model-missing = 这部手机没有安装语音识别。您可以打字。
app-error-cancelled = 已取消。
app-error-host = 手机的身份确认没有成功。请再试一次。
app-error-storage-unavailable = 手机存储空间已满或正忙。信息没有丢失。请清理一些空间后再试。
app-error-already-sent = 这笔付款已经确认过一次，没有再发。可以查看它的结果，或者重新发起一笔付款。
app-error-internal = 应用出了问题。请再试一次。
