# Shared building blocks: masked numbers, dates, relative times, lists.
# Variables of every message must match zh-CN (a test checks it).

# $last4: the last four digits (spoken: one by one).
masked-ending = ending in { $last4 }
# $first, $last: first and last character of an ID number.
masked-id-number = ID number starting with { $first } and ending with { $last }

date-month-day = { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
} { $day }
time-of-day = { $hour12 }:{ $minute } { $pm ->
    [yes] PM
   *[no] AM
}
date-and-time = { $date }, { $time }

freshness-just-now = just now
freshness-minutes-ago = { $count ->
    [one] one minute ago
   *[other] { $n } minutes ago
}
freshness-hours-ago = { $count ->
    [one] one hour ago
   *[other] { $n } hours ago
}
freshness-days-ago = { $count ->
    [one] one day ago
   *[other] { $n } days ago
}
freshness-on-date = on { $date }

list-separator = {", "}
list-or = {" or "}
# Two items with the same name, told apart by their number's ending: "Alice Chen ending in 1234".
choice-with-ending = { $name } { $masked }
