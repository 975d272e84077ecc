package dev.sluice.group;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sluice.core.RunningTasks;
import dev.sluice.core.SluiceThreads;
import dev.sluice.deadline.Deadline;
import dev.sluice.deadline.DeadlineExceededException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class TaskGroupTests {

	private final RunningTasks runningTasks = new RunningTasks();

	private final List<TaskGroups> created = new ArrayList<>();

	@AfterEach
	void destroy() throws Exception {
		for (TaskGroups groups : this.created) {
			groups.destroy();
		}
	}

	@Test
	void firstFailureIsWhatJoinThrowsAndEveryOtherRunningSubtaskObservesTheInterruptAndStops() throws Exception {
		TaskGroups groups = platform(8);
		CountDownLatch bothSleeping = new CountDownLatch(2);
		CountDownLatch interrupted = new CountDownLatch(2);
		AtomicInteger ended = new AtomicInteger();
		IllegalStateException boom = new IllegalStateException("boom");
		Subtask<String> slowA;
		Subtask<String> slowB;
		Subtask<String> failing;
		TaskGroup group = groups.open();
		try (group) {
			slowA = group.fork(() -> sleepUntilInterrupted(bothSleeping, interrupted, ended));
			slowB = group.fork(() -> sleepUntilInterrupted(bothSleeping, interrupted, ended));
			failing = group.fork(() -> {
				bothSleeping.await();
				throw boom;
			});
			assertThatExceptionOfType(IllegalStateException.class).isThrownBy(group::join).isSameAs(boom);
			assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
		}
		assertThat(ended).hasValue(2);
		assertThat(failing.state()).isEqualTo(Subtask.State.FAILED);
		assertThat(failing.exception()).isSameAs(boom);
		assertThat(slowA.state()).isEqualTo(Subtask.State.CANCELLED);
		assertThat(slowB.state()).isEqualTo(Subtask.State.CANCELLED);
		assertThat(slowA.exception()).isInstanceOf(InterruptedException.class);
		assertThatIllegalStateException().isThrownBy(slowA::get).withMessageContaining("CANCELLED");
		assertThat(groups.getActiveCount()).isZero();
	}

	@Test
	void aCheckedFailureIsWrappedInTaskGroupExceptionWithTheOriginalAsCause() {
		TaskGroups groups = platform(4);
		IOException io = new IOException("downstream unreachable");
		try (TaskGroup group = groups.open()) {
			group.fork(() -> {
				throw io;
			});
			assertThatExceptionOfType(TaskGroupException.class).isThrownBy(group::join).withCause(io);
		}
	}

	@Test
	void successfulSubtasksGiveTheirResultsAfterJoin() {
		TaskGroups groups = platform(4);
		try (TaskGroup group = groups.open()) {
			Subtask<String> profile = group.fork(() -> "profile");
			Subtask<Integer> posts = group.fork(() -> 42);
			group.join();
			assertThat(profile.get()).isEqualTo("profile");
			assertThat(posts.get()).isEqualTo(42);
			assertThat(profile.state()).isEqualTo(Subtask.State.SUCCESS);
			assertThat(profile.id()).startsWith(group.id() + "-");
		}
	}

	@Test
	void noSubtaskOutlivesClose() throws Exception {
		TaskGroups groups = platform(8);
		CountDownLatch sleeping = new CountDownLatch(3);
		CountDownLatch interrupted = new CountDownLatch(3);
		AtomicInteger ended = new AtomicInteger();
		try (TaskGroup group = groups.open()) {
			for (int i = 0; i < 3; i++) {
				group.fork(() -> sleepUntilInterrupted(sleeping, interrupted, ended));
			}
			sleeping.await();
		}
		assertThat(ended).hasValue(3);
		assertThat(this.runningTasks.snapshot()).isEmpty();
	}

	@Test
	void limitBoundsRunningSubtasksExactlyUnderConcurrentForks() throws Exception {
		TaskGroups groups = platform(32);
		AtomicInteger running = new AtomicInteger();
		AtomicInteger highWater = new AtomicInteger();
		AtomicInteger done = new AtomicInteger();
		try (TaskGroup group = groups.open()) {
			group.limit(3);
			List<Thread> forkers = new ArrayList<>();
			for (int f = 0; f < 4; f++) {
				Thread forker = new Thread(() -> {
					for (int i = 0; i < 25; i++) {
						group.fork(() -> {
							highWater.accumulateAndGet(running.incrementAndGet(), Math::max);
							Thread.sleep(3);
							running.decrementAndGet();
							return done.incrementAndGet();
						});
					}
				});
				forker.start();
				forkers.add(forker);
			}
			for (Thread forker : forkers) {
				forker.join();
			}
			group.join();
		}
		assertThat(done).hasValue(100);
		assertThat(highWater).hasValue(3);
	}

	@Test
	void tryForkIsEmptyExactlyWhenTheLimitIsReached() throws Exception {
		TaskGroups groups = platform(8);
		CountDownLatch releaseFirst = new CountDownLatch(1);
		CountDownLatch releaseSecond = new CountDownLatch(1);
		CountDownLatch releaseThird = new CountDownLatch(1);
		try (TaskGroup group = groups.open()) {
			group.limit(2);
			Optional<Subtask<Boolean>> first = group.tryFork(() -> releaseFirst.await(10, TimeUnit.SECONDS));
			Optional<Subtask<Boolean>> second = group.tryFork(() -> releaseSecond.await(10, TimeUnit.SECONDS));
			assertThat(first).isPresent();
			assertThat(second).isPresent();
			assertThat(group.tryFork(() -> true)).isEmpty();
			releaseFirst.countDown();
			org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
				.until(() -> first.get().state() == Subtask.State.SUCCESS);
			Optional<Subtask<Boolean>> third = group.tryFork(() -> releaseThird.await(10, TimeUnit.SECONDS));
			assertThat(third).isPresent();
			assertThat(group.tryFork(() -> true)).isEmpty();
			releaseSecond.countDown();
			releaseThird.countDown();
			group.join();
			assertThat(third.get().get()).isTrue();
		}
	}

	@Test
	void whenTheGroupDeadlinePassesRunningSubtasksAreInterruptedAndJoinThrowsDeadlineExceeded() throws Exception {
		TaskGroups groups = platform(4);
		CountDownLatch interrupted = new CountDownLatch(1);
		long start = System.nanoTime();
		try (TaskGroup group = groups.open(Duration.ofMillis(300))) {
			Subtask<Optional<Deadline>> seen = group.fork(Deadline::current);
			group.fork(() -> {
				try {
					Thread.sleep(10_000);
				}
				catch (InterruptedException ex) {
					interrupted.countDown();
					throw ex;
				}
				return null;
			});
			assertThatExceptionOfType(DeadlineExceededException.class).isThrownBy(group::join);
			long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
			assertThat(tookMillis).isBetween(290L, 3_000L);
			assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
			assertThat(seen.get()).isEqualTo(group.deadline());
		}
	}

	@Test
	void aGroupInheritsTheRequestDeadlineAndOpenWithATimeoutMayOnlyShortenIt() {
		TaskGroups groups = platform(4);
		Deadline request = Deadline.after(Duration.ofSeconds(5));
		try (Deadline.Scope scope = request.attach()) {
			try (TaskGroup group = groups.open()) {
				Subtask<Optional<Deadline>> seen = group.fork(Deadline::current);
				group.join();
				assertThat(seen.get()).containsSame(request);
			}
			try (TaskGroup tighter = groups.open(Duration.ofMillis(500))) {
				assertThat(tighter.deadline().get().remaining()).isLessThanOrEqualTo(Duration.ofMillis(500));
			}
			try (TaskGroup looser = groups.open(Duration.ofMinutes(5))) {
				assertThat(looser.deadline()).containsSame(request);
			}
		}
		try (TaskGroup none = groups.open()) {
			Subtask<Optional<Deadline>> seen = none.fork(Deadline::current);
			none.join();
			assertThat(seen.get()).isEmpty();
		}
	}

	@Test
	void cancelAllInterruptsEveryOpenGroup() throws Exception {
		TaskGroups groups = platform(8);
		CountDownLatch sleeping = new CountDownLatch(2);
		CountDownLatch interrupted = new CountDownLatch(2);
		AtomicInteger ended = new AtomicInteger();
		TaskGroup one = groups.open();
		TaskGroup two = groups.open();
		one.fork(() -> sleepUntilInterrupted(sleeping, interrupted, ended));
		two.fork(() -> sleepUntilInterrupted(sleeping, interrupted, ended));
		sleeping.await();
		assertThat(groups.getActiveCount()).isEqualTo(2);
		groups.cancelAll();
		assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
		one.close();
		two.close();
		assertThat(groups.getActiveCount()).isZero();
	}

	@Test
	void resultsCannotBeReadBeforeJoin() throws Exception {
		TaskGroups groups = platform(2);
		CountDownLatch release = new CountDownLatch(1);
		try (TaskGroup group = groups.open()) {
			Subtask<Boolean> pending = group.fork(() -> release.await(5, TimeUnit.SECONDS));
			assertThatIllegalStateException().isThrownBy(pending::get).withMessageContaining("join()");
			release.countDown();
			group.join();
		}
	}

	@Test
	void platformFallbackNeverRunsMoreThanMaxThreadsThreads() throws Exception {
		TaskGroups groups = platform(4);
		Set<Thread> threads = ConcurrentHashMap.newKeySet();
		AtomicInteger highWater = new AtomicInteger();
		AtomicInteger running = new AtomicInteger();
		try (TaskGroup group = groups.open()) {
			for (int i = 0; i < 100; i++) {
				group.fork(() -> {
					threads.add(Thread.currentThread());
					highWater.accumulateAndGet(running.incrementAndGet(), Math::max);
					Thread.sleep(2);
					running.decrementAndGet();
					return null;
				});
			}
			group.join();
		}
		assertThat(threads).hasSizeLessThanOrEqualTo(4);
		assertThat(highWater.get()).isLessThanOrEqualTo(4);
		assertThat(threads).allSatisfy((thread) -> assertThat(thread.getName()).startsWith("sluice-group-"));
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void onVirtualThreadsTenThousandSubtasksSleeping100msFinishInASmallMultipleOf100ms() {
		TaskGroups groups = track(new TaskGroups(true, 64, this.runningTasks));
		AtomicInteger done = new AtomicInteger();
		long start = System.nanoTime();
		try (TaskGroup group = groups.open()) {
			for (int i = 0; i < 10_000; i++) {
				group.fork(() -> {
					Thread.sleep(100);
					return done.incrementAndGet();
				});
			}
			group.join();
		}
		long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
		System.out.println("10,000 virtual-thread subtasks sleeping 100 ms each finished in " + tookMillis + " ms");
		assertThat(done).hasValue(10_000);
		assertThat(tookMillis).isLessThan(5_000);
		assertThat(SluiceThreads.live()).noneMatch((thread) -> thread.getName().startsWith("sluice-group-"));
	}

	private TaskGroups platform(int maxThreads) {
		return track(new TaskGroups(false, maxThreads, this.runningTasks));
	}

	private TaskGroups track(TaskGroups groups) {
		this.created.add(groups);
		return groups;
	}

	private static String sleepUntilInterrupted(CountDownLatch sleeping, CountDownLatch interrupted,
			AtomicInteger ended) throws InterruptedException {
		try {
			sleeping.countDown();
			Thread.sleep(30_000);
			return "not interrupted";
		}
		catch (InterruptedException ex) {
			interrupted.countDown();
			throw ex;
		}
		finally {
			ended.incrementAndGet();
		}
	}

}
