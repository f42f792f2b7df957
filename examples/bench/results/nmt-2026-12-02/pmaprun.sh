#!/usr/bin/env bash
# like nmtrun but also saves pmap -x at idle
set -u
label=$1; opts=$2
cd /tmp/perfp/nmt
TANDEM_JAVA_OPTS="-XX:NativeMemoryTracking=summary $opts" /tmp/perfp/tandem run -c tandem.yaml > logs/t-$label.log 2>&1 &
pid=$!
for i in $(seq 100); do curl -sf -o /dev/null 127.0.0.1:24281/3b && break; sleep 0.2; done
sleep 3
rss() { awk '/^(VmRSS|RssAnon|RssFile|RssShmem)/{printf "%s %s ", $1, $2}' /proc/$pid/status; }
echo "$label start $(rss)"
jcmd $pid VM.native_memory summary > nmt-$label-start.txt
pmap -x $pid > pmap-$label-start.txt
timeout 20 wrk -t2 -c64 -d8s http://127.0.0.1:24281/3b | grep Requests/sec
timeout 20 wrk -t2 -c1000 -d5s http://127.0.0.1:24281/3b | grep Requests/sec
sleep 1
echo "$label afterload $(rss)"
python3 /work/wt/perf/examples/bench/idle_clients.py --port 24281 --count 9900 --ready-file ready-$label --hold 60 > logs/idle-$label.log 2>&1 &
ipid=$!
for i in $(seq 120); do [[ -s ready-$label ]] && break; sleep 0.5; done
sleep 3
echo "$label idle9900 $(rss)"
jcmd $pid VM.native_memory summary > nmt-$label-idle.txt
pmap -x $pid > pmap-$label-idle.txt
kill $ipid; wait $ipid 2>/dev/null
kill $pid; wait $pid 2>/dev/null
