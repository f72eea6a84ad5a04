#!/usr/bin/env bash
# A private, headless speech-dispatcher for tests and machines without a sound card.
#
# The stock daemon plays through ALSA or PulseAudio; with no sound card `speak` still succeeds
# but `stop()` never returns. This one has its own configuration directory, runtime socket,
# log directory and HOME (libao reads `~/.libao`), plays into libao's `null` driver and speaks
# with the espeak-ng module. Clients find it through SPEECHD_ADDRESS; nothing else on the
# machine sees it, and it never touches the user's own speech-dispatcher.
#
#   scripts/speechd-headless.sh start DIR   start one under DIR (created), print
#                                           SPEECHD_ADDRESS=unix_socket:DIR/run/speechd.sock
#                                           and SPEECHD_PID=N, then return
#   scripts/speechd-headless.sh stop DIR    kill the one started under DIR
#   scripts/speechd-headless.sh run CMD...  start one in a temporary directory, run CMD with
#                                           SPEECHD_ADDRESS exported, stop it afterwards
#
# Exit status 2 with a message when speech-dispatcher or its espeak-ng module is absent, so
# callers can skip with a reason instead of failing.
set -euo pipefail

MODULE=/usr/lib/speech-dispatcher-modules/sd_espeak-ng
# The daemon exits by itself this many seconds after its last client leaves: a test that
# crashes before `stop` leaves nothing running for long.
IDLE_TIMEOUT=${SPEECHD_HEADLESS_IDLE_TIMEOUT:-30}

usage() {
    echo "usage: $0 start DIR | stop DIR | run CMD..." >&2
    exit 64
}

check_installed() {
    if ! command -v speech-dispatcher >/dev/null 2>&1; then
        echo "speech-dispatcher is not installed (Debian: speech-dispatcher)" >&2
        exit 2
    fi
    if [ ! -x "$MODULE" ]; then
        echo "the espeak-ng module $MODULE is missing (Debian: speech-dispatcher-espeak-ng)" >&2
        exit 2
    fi
}

start() {
    local dir=$1
    check_installed
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    local conf=$dir/conf run=$dir/run log=$dir/log home=$dir/home
    mkdir -p "$conf/modules" "$run" "$log" "$home"
    chmod 700 "$dir" "$run"
    local socket=$run/speechd.sock pidfile=$run/speechd.pid
    if [ ${#socket} -gt 100 ]; then
        # sun_path holds 108 bytes.
        echo "socket path too long for a unix socket: $socket" >&2
        exit 1
    fi

    # libao's null driver accepts audio and discards it, at once.
    echo "default_driver=null" >"$home/.libao"
    cat >"$conf/speechd.conf" <<EOF
LogLevel 2
LogDir "$log"
AudioOutputMethod "libao"
DefaultVolume 100
DefaultRate 0
DefaultPitch 0
DefaultLanguage "en"
AddModule "espeak-ng" "sd_espeak-ng" "espeak-ng.conf"
DefaultModule espeak-ng
EOF
    cp /etc/speech-dispatcher/modules/espeak-ng.conf "$conf/modules/espeak-ng.conf" 2>/dev/null ||
        : >"$conf/modules/espeak-ng.conf"
    rm -f "$socket" "$pidfile"

    HOME=$home XDG_RUNTIME_DIR=$run XDG_CONFIG_HOME=$home/.config \
        speech-dispatcher --run-daemon \
        --config-dir "$conf" \
        --communication-method unix_socket --socket-path "$socket" \
        --pid-file "$pidfile" --log-dir "$log" \
        --timeout "$IDLE_TIMEOUT" </dev/null >"$log/daemon.out" 2>&1 || {
        echo "speech-dispatcher failed to start; see $log" >&2
        exit 1
    }
    # The daemon forks; wait (at most 10 s) until its socket accepts connections.
    local i
    for i in $(seq 100); do
        [ -S "$socket" ] && [ -s "$pidfile" ] && break
        sleep 0.1
    done
    if [ ! -S "$socket" ] || [ ! -s "$pidfile" ]; then
        echo "speech-dispatcher did not open $socket; see $log" >&2
        stop "$dir"
        exit 1
    fi
    echo "SPEECHD_ADDRESS=unix_socket:$socket"
    echo "SPEECHD_PID=$(cat "$pidfile")"
}

stop() {
    local dir=$1 pidfile=$1/run/speechd.pid pid
    [ -s "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    # Only a speech-dispatcher started with this directory's pid file: never another process
    # that reused the number.
    if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$pidfile"; then
        kill "$pid" 2>/dev/null || true
        local i
        for i in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    # The module processes exit with their daemon; these are this directory's only.
    rm -f "$pidfile" "$dir/run/speechd.sock"
}

[ $# -ge 1 ] || usage
command=$1
shift
case $command in
start)
    [ $# -eq 1 ] || usage
    start "$1"
    ;;
stop)
    [ $# -eq 1 ] || usage
    stop "$1"
    ;;
run)
    [ $# -ge 1 ] || usage
    dir=$(mktemp -d "${TMPDIR:-/tmp}/speechd.XXXXXX")
    trap 'stop "$dir"; rm -rf "$dir"' EXIT
    address=$(start "$dir" | sed -n 's/^SPEECHD_ADDRESS=//p')
    SPEECHD_ADDRESS=$address "$@"
    ;;
*)
    usage
    ;;
esac
