package dev.sluice.deadline;

import java.time.Duration;

import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Test;

/**
 * The interrupt-only-while-running guard of a deadline watch, under Lincheck's model
 * checker: interleavings of the watchdog's {@code fire()} with the watched thread's
 * {@code disarm()} and {@code close()} are explored (up to the invocation budget), and
 * none may leave an interrupt on the thread after {@code close()}, interrupt an answer
 * that {@code disarm()} declared on time, or reach the thread's next request.
 */
class WatchInterleavingTests {

	private static final int INVOCATIONS = 300;

	@Test
	void anInterruptNeverOutlivesCloseAndNeverFollowsASuccessfulDisarm() {
		Lincheck.runConcurrentTest(INVOCATIONS, () -> {
			Thread watched = Thread.currentThread();
			DeadlineWatchdog.Watch watch = new DeadlineWatchdog.Watch(watched, true, null,
					Deadline.after(Duration.ofSeconds(30)));
			Thread firing = new Thread(watch::fire);
			firing.start();
			boolean onTime = watch.disarm();
			boolean interruptedAfterDisarm = watched.isInterrupted();
			join(firing);
			if (onTime) {
				check(!interruptedAfterDisarm, "interrupted right after a successful disarm");
				check(!(watched.isInterrupted()), "an interrupt after a successful disarm");
				check(!watch.hasFired(), "fired after a successful disarm");
			}
			else {
				check(watch.hasFired(), "disarm failed but the watch had not fired");
			}
			watch.close();
			check(!(Thread.interrupted()), "an interrupt left on the thread after close");
		});
	}

	@Test
	void anInterruptSentBeforeCloseIsClearedByItAndNoneArrivesAfterIt() {
		Lincheck.runConcurrentTest(INVOCATIONS, () -> {
			Thread watched = Thread.currentThread();
			DeadlineWatchdog.Watch watch = new DeadlineWatchdog.Watch(watched, true, null,
					Deadline.after(Duration.ofSeconds(30)));
			Thread firing = new Thread(watch::fire);
			firing.start();
			watch.close();
			boolean clearedByClose = !watched.isInterrupted();
			join(firing);
			check(clearedByClose, "an interrupt left on the thread by close()");
			check(!Thread.interrupted(), "an interrupt reached the thread after close() returned");
		});
	}

	@Test
	void anInterruptMeantForOneRequestNeverReachesTheThreadsNextRequest() {
		Lincheck.runConcurrentTest(INVOCATIONS, () -> {
			Thread watched = Thread.currentThread();
			DeadlineWatchdog.Watch first = new DeadlineWatchdog.Watch(watched, true, null,
					Deadline.after(Duration.ofSeconds(30)));
			Thread firing = new Thread(first::fire);
			firing.start();
			first.close();
			// the pooled request thread takes its next request
			DeadlineWatchdog.Watch next = new DeadlineWatchdog.Watch(watched, true, null,
					Deadline.after(Duration.ofSeconds(30)));
			boolean interruptedOnEntry = watched.isInterrupted();
			join(firing);
			boolean interruptedLater = watched.isInterrupted();
			next.close();
			check(!interruptedOnEntry && !interruptedLater, "the first request's interrupt reached the next one");
			check(!next.hasFired(), "the next request's watch fired");
		});
	}

	/**
	 * Lincheck compares the objects it sees; AssertJ's assertion objects refuse
	 * {@code equals}, so plain checks.
	 */
	static void check(boolean condition, String what) {
		if (!condition) {
			throw new AssertionError(what);
		}
	}

	/**
	 * Joins even when interrupted (a watch may interrupt the test's thread), keeping the
	 * interrupt.
	 */
	private static void join(Thread thread) {
		boolean interrupted = false;
		while (true) {
			try {
				thread.join();
				break;
			}
			catch (InterruptedException ex) {
				interrupted = true;
			}
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
	}

}
