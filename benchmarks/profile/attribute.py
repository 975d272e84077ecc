"""Where a server's profile goes per request: the regions of the request path, per 1000 requests.

Usage: python3 attribute.py <name>=<collapsed stacks>:<requests> ... (the first is the base of the differences)
Reads async-profiler's collapsed output (one stack per line, frames separated by ';', then the count).
"""
import collections
import os
import sys

CHAIN = 'org/apache/catalina/core/ApplicationFilterChain.doFilter'
FINISH = 'response finish (Tomcat: status line, headers, socket write)'
STAGES = "Sluice's stages, own code (rate limit, concurrency, deadline)"
IN_FLIGHT = 'in-flight tracking filter, own code'
AFTER = 'Spring MVC after the stages (RequestContextFilter on)'
REST = 'rest of the request thread (Tomcat, filters before Sluice)'
IO = 'Tomcat poller, acceptor, socket I/O'
WATCHDOG = 'deadline watchdog thread'
COUNTING = "shutdown drain's counting executor, own code (virtual threads)"
KEYS = [FINISH, STAGES, IN_FLIGHT, AFTER, REST, IO, WATCHDOG, COUNTING, 'GC', 'JIT compiler', 'other']
# Wraps every task Tomcat hands its virtual-thread executor, so it is on the whole request's stack: transparent to
# own(), and a region of its own only where no Tomcat or Spring frame runs above it (its counter, its lambda).
COUNTING_FRAME = 'dev/sluice/shutdown/TomcatConnectorDrain$CountingExecutor'


def own(frames):
    """The innermost Sluice frame of a stack where Sluice's own code runs (not the chain it passes on to)."""
    mine = [i for i, f in enumerate(frames) if f.startswith('dev/sluice/') and not f.startswith('dev/sluice/sample/')
            and not f.startswith(COUNTING_FRAME)]
    if mine and CHAIN not in frames[mine[-1]:]:
        return frames[mine[-1]]
    return None


def region(frames):
    joined = ';'.join(frames)
    if 'dev/sluice/deadline/DeadlineWatchdog.run' in joined:
        return WATCHDOG
    if 'org/apache/catalina/connector/Response.finishResponse' in joined:
        return FINISH
    counting = [i for i, f in enumerate(frames) if f.startswith(COUNTING_FRAME)]
    if counting and not any(f.startswith(('org/', 'dev/')) for f in frames[counting[-1] + 1:]):
        return COUNTING
    frame = own(frames)
    if frame is not None:
        return IN_FLIGHT if 'InFlightRequests' in frame else STAGES
    if 'org/springframework/web/filter/RequestContextFilter.doFilterInternal' in joined:
        return AFTER
    if 'org/apache/coyote/http11/Http11Processor.service' in joined:
        return REST
    if 'org/apache/tomcat/util/net/' in joined:
        return IO
    if any('GC' in f or 'G1' in f for f in frames):
        return 'GC'
    if any('Compile' in f for f in frames):
        return 'JIT compiler'
    return 'other'


def load(path, requests):
    regions, sluice = collections.Counter(), collections.Counter()
    total = 0
    for line in open(path):
        stack, _, count = line.rstrip().rpartition(' ')
        frames, count = stack.split(';'), 1000 * int(count) / requests
        total += count
        where = region(frames)
        regions[where] += count
        if where in (STAGES, IN_FLIGHT):
            sluice[own(frames)] += count
    return total, regions, sluice


def main():
    runs = []
    for arg in sys.argv[1:]:
        name, _, rest = arg.partition('=')
        path, _, requests = rest.rpartition(':')
        runs.append((name, *load(path, int(requests))))
    names = [r[0] for r in runs]
    unit = os.environ.get('PROFILE_UNIT', 'samples')
    print(f'| region, {unit} per 1000 requests | ' + ' | '.join(names) + ' | '
          + ' | '.join(f'{n} − {names[0]}' for n in names[1:]) + ' |')
    print('|---' * (2 * len(names)) + '|')
    for key in KEYS + ['total']:
        values = [(r[1] if key == 'total' else r[2][key]) for r in runs]
        print(f'| {key} | ' + ' | '.join(f'{v:.1f}' for v in values) + ' | '
              + ' | '.join(f'{v - values[0]:+.1f}' for v in values[1:]) + ' |')
    for name, _, _, sluice in runs:
        if sluice:
            print(f'\n{name}: Sluice frames (innermost Sluice frame, with what it calls), {unit} per 1000 requests')
            for frame, count in sluice.most_common(15):
                print(f'  {count:6.2f}  {frame}')


main()
