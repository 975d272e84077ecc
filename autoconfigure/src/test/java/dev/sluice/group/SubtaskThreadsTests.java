package dev.sluice.group;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The platform threads of task groups retire when idle for {@code keep-alive}, and a
 * retiring thread never leaves a subtask queued behind busy ones.
 */
class SubtaskThreadsTests {

	@Test
	void idlePlatformThreadsRetireAfterKeepAlive() throws Exception {
		SubtaskThreads threads = SubtaskThreads.platform(4, Duration.ofMillis(100));
		try {
			Set<Thread> used = ConcurrentHashMap.newKeySet();
			CountDownLatch running = new CountDownLatch(4);
			CountDownLatch release = new CountDownLatch(1);
			for (int i = 0; i < 4; i++) {
				threads.slots().acquire();
				threads.execute(() -> {
					used.add(Thread.currentThread());
					running.countDown();
					awaitQuietly(release);
				});
			}
			assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
			assertThat(used).hasSize(4);
			release.countDown();
			await().atMost(Duration.ofSeconds(10)).until(() -> used.stream().noneMatch(Thread::isAlive));
		}
		finally {
			assertThat(threads.shutdown(TimeUnit.SECONDS.toNanos(10))).isEmpty();
		}
	}

	@Test
	void withZeroKeepAliveIdleThreadsStayUntilShutdown() throws Exception {
		SubtaskThreads threads = SubtaskThreads.platform(2, Duration.ZERO);
		Set<Thread> used = ConcurrentHashMap.newKeySet();
		CountDownLatch ran = new CountDownLatch(1);
		threads.slots().acquire();
		threads.execute(() -> {
			used.add(Thread.currentThread());
			ran.countDown();
		});
		assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
		await().during(Duration.ofMillis(500))
			.atMost(Duration.ofSeconds(5))
			.until(() -> used.stream().allMatch(Thread::isAlive));
		assertThat(threads.shutdown(TimeUnit.SECONDS.toNanos(10))).isEmpty();
		assertThat(used).noneMatch(Thread::isAlive);
	}

	@Test
	void aSubtaskHandedOverWhileAThreadRetiresStillRunsAtOnce() throws Exception {
		// One of two threads is held busy; the other retires after 1 ms idle, so
		// hand-overs race its retirement.
		SubtaskThreads threads = SubtaskThreads.platform(2, Duration.ofNanos(1_000_000));
		CountDownLatch holdBusy = new CountDownLatch(1);
		try {
			threads.slots().acquire();
			threads.execute(() -> awaitQuietly(holdBusy));
			for (int i = 0; i < 3_000; i++) {
				CountDownLatch ran = new CountDownLatch(1);
				threads.slots().acquire();
				threads.execute(ran::countDown);
				assertThat(ran.await(10, TimeUnit.SECONDS)).as("subtask %d ran", i).isTrue();
				// about the keep-alive: the next hand-over lands near the moment the idle
				// thread times out
				LockSupport.parkNanos(900_000 + ThreadLocalRandom.current().nextLong(200_000));
			}
		}
		finally {
			holdBusy.countDown();
			assertThat(threads.shutdown(TimeUnit.SECONDS.toNanos(10))).isEmpty();
		}
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
