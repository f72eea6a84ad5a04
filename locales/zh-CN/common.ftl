# Shared building blocks: masked numbers, dates, relative times, lists.
# Variables of every message must match en-US (a test checks it).

# $last4: the last four digits (spoken: one by one).
masked-ending = 尾号{ $last4 }
# $first, $last: first and last character of an ID number.
masked-id-number = 证件号码以{ $first }开头、以{ $last }结尾

date-month-day = { $month }月{ $day }日
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
# 同名的两项，用号码尾号区分："李伟（尾号1234）"。
choice-with-ending = { $name }（{ $masked }）
