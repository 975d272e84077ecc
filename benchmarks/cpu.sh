# CPU time per request of the compare run (COMPARE_CPU=1; sourced by compare-run.sh): every thread's time on a CPU
# during each slice, from /proc/<pid>/task/<tid>/schedstat (nanoseconds), the load generator's from its rusage, and
# per pair the names of the server's threads (jcmd Thread.print; Linux keeps only 15 characters of a thread's name,
# too few to tell Tomcat's request threads from its poller). The table gives, per server, the CPU time per 1000
# requests by kind of thread, and per comparison the difference and the ratio of the whole CPU time per request
# (server and wrk), which is what the request rate of a machine with no idle CPU follows.
# Raw lines: "S pair round server requests wrk-ns", "T pair round server tid comm ns runs" (runs: the times the
# thread was put on a CPU), "N pair server tid name".

threads_cpu() { # pid -> "tid comm ns runs" per thread: its nanoseconds on a CPU so far, and how often it was put on one
  local t comm ns wait runs
  for t in /proc/"$1"/task/*; do
    { read -r comm < "$t/comm" && read -r ns wait runs < "$t/schedstat"; } 2>/dev/null || continue
    echo "${t##*/} ${comm// /_} $ns $runs"
  done
}

cpu_slice() { # pair round name pid url seconds: one measured slice; its req/s on stdout, its CPU into $cpu
  local before after out ticks
  before=$(threads_cpu "$4")
  # wrk's own CPU: the children's times of the shell that waited for it
  out=$(bash -c 'wrk -t1 -c16 -d"$2s" "$1"; read -r -a st < /proc/$$/stat; echo "child-ticks $((st[15] + st[16]))"' \
    _ "$5" "$6")
  after=$(threads_cpu "$4")
  ticks=$(awk '/^child-ticks/ {print $2}' <<< "$out")
  echo "S $1 $2 $3 $(awk '/requests in/ {print $1}' <<< "$out") $((ticks * 1000000000 / $(getconf CLK_TCK)))" >> "$cpu"
  awk -v p="$1" -v r="$2" -v s="$3" 'NR == FNR { b[$1] = $3; c[$1] = $4; next }
    { print "T", p, r, s, $1, $2, $3 - b[$1], $4 - c[$1] }' \
    <(echo "$before") <(echo "$after") >> "$cpu"
  awk '/Requests\/sec/ {print $2}' <<< "$out"
}

thread_names() { # pair name pid: the server's thread names by tid (jcmd prints nid in hex on Java 17, decimal later)
  local line name nid
  "$jcmd" "$3" Thread.print 2>/dev/null | while IFS= read -r line; do
    [[ "$line" == \"* && "$line" =~ nid=(0x[0-9a-f]+|[0-9]+) ]] || continue
    nid=$((BASH_REMATCH[1])); name="${line#\"}"; name="${name%%\"*}"
    echo "N $1 $2 $nid ${name// /_}"
  done >> "$cpu"
}

cpu_table() { # the CPU table of $cpu, for the comparisons in $chosen (and compare-run.sh's $student_t)
  echo
  echo "CPU time per 1000 requests (ms; mean over pairs), by kind of thread:"
  echo
  echo "| server | request threads | poller, acceptor | GC, VM | JIT | Sluice's threads | other | server | wrk | all | request threads put on a CPU per request |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  local rows="" c a b label
  for c in "${chosen[@]}"; do read -r a b label <<< "${comparisons[$c]}"; rows="$rows $a:$b:${c}"; done
  awk -v order="${order[*]}" -v rows="$rows" -v student_t="$student_t" '
    BEGIN { split(student_t, t, " "); split("request poller gc jit sluice other", kinds, " ") }
    function kind(name) {
      if (name ~ /Poller|Acceptor/) return "poller"
      if (name ~ /-exec-|^ForkJoinPool-[0-9]/) return "request" # Tomcat platform threads; virtual threads carriers
      if (name ~ /^(GC_Thread|G1_|VM_Thread|VM_Periodic)/) return "gc"
      if (name ~ /Compiler/) return "jit"
      if (name ~ /^sluice/) return "sluice"
      return "other"
    }
    $1 == "N" { name[$2, $3, $4] = $5 }
    $1 == "S" { req[$2, $4] += $5; wrk[$2, $4] += $6; if ($2 > pairs) pairs = $2 }
    $1 == "T" { comm[$2, $4, $5] = $6; use[$2, $4, $5] += $7; runs[$2, $4, $5] += $8 }
    END {
      for (key in use) {
        split(key, k, SUBSEP); kd = kind((key in name) ? name[key] : comm[key])
        by[k[1], k[2], kd] += use[key]; ran[k[1], k[2], kd] += runs[key]
      }
      ns_ = split(order, servers, " ")
      for (i = 1; i <= ns_; i++) {
        s = servers[i]; line = "| " s
        for (j = 1; j <= 6; j++) {
          sum = 0; m = 0
          for (p = 1; p <= pairs; p++) if (req[p, s] > 0) { sum += by[p, s, kinds[j]] / req[p, s] / 1000; m++ }
          line = line sprintf(" | %.1f", sum / m)
        }
        tot = 0; w = 0; m = 0; sw = 0
        for (p = 1; p <= pairs; p++) if (req[p, s] > 0) {
          m++; sw += ran[p, s, "request"] / req[p, s]
          srv = 0; for (j = 1; j <= 6; j++) srv += by[p, s, kinds[j]]
          server[p, s] = srv / req[p, s] / 1000; client[p, s] = wrk[p, s] / req[p, s] / 1000
          tot += server[p, s]; w += client[p, s]
        }
        printf "%s | %.1f | %.1f | %.1f | %.2f |\n", line, tot / m, w / m, (tot + w) / m, sw / m
      }
      print ""
      print "| comparison | pairs | server ms a − b (95% CI) | all ms a − b (95% CI) | CPU-implied throughput ratio b/a (95% CI) |"
      print "|---|---|---|---|---|"
      nr = split(rows, rs, " ")
      for (i = 1; i <= nr; i++) {
        split(rs[i], ab, ":"); a = ab[1]; b = ab[2]
        printf "| %s (%s vs %s) | ", ab[3], a, b
        out = ""
        for (q = 1; q <= 3; q++) {
          n = 0; sum = 0
          for (p = 1; p <= pairs; p++) if (req[p, a] > 0 && req[p, b] > 0) {
            if (q == 1) v = server[p, a] - server[p, b]
            else if (q == 2) v = server[p, a] + client[p, a] - server[p, b] - client[p, b]
            else v = (server[p, b] + client[p, b]) / (server[p, a] + client[p, a])
            x[++n] = v; sum += v
          }
          mean = sum / n; ss = 0; for (kk = 1; kk <= n; kk++) ss += (x[kk] - mean) ^ 2
          half = (n > 1) ? ((n - 1 <= 15) ? t[n - 1] : 2.0) * sqrt(ss / (n - 1)) / sqrt(n) : 0
          out = out sprintf((q == 3) ? "**%.3f** (%.3f–%.3f)" : "%+.1f (%+.1f to %+.1f) | ", mean, mean - half, mean + half)
        }
        printf "%d | %s |\n", n, out
      }
    }' "$cpu"
}
