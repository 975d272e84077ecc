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
import java.util.concurrent.atomic.AtomicReference;

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
			slowB = group.fork(() -> {
				try {
					return sleepUntilInterrupted(bothSleeping, interrupted, ended);
				}
				catch (InterruptedException ex) {
					throw new IllegalStateException("a later failure, caused by the cancel", ex);
				}
			});
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
		assertThat(slowB.exception()).hasMessageContaining("later failure");
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
			org.awaitility.Awaitility.await()
				.atMost(Duration.ofSeconds(5))
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
		assertThatExceptionOfType(TaskGroupException.class).isThrownBy(one::join)
			.withMessageContaining("shutting down");
		assertThat(two.fork(() -> "late").state()).isEqualTo(Subtask.State.CANCELLED);
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
	void platformFallbackNeverRunsMoreThanMaxThreadsThreadsWhateverManyGroupsFork() throws Exception {
		TaskGroups groups = platform(4);
		Set<Thread> threads = ConcurrentHashMap.newKeySet();
		AtomicInteger highWater = new AtomicInteger();
		AtomicInteger liveHighWater = new AtomicInteger();
		AtomicInteger running = new AtomicInteger();
		AtomicInteger done = new AtomicInteger();
		List<Thread> requests = new ArrayList<>();
		for (int r = 0; r < 3; r++) {
			Thread request = new Thread(() -> {
				try (TaskGroup group = groups.open()) {
					for (int i = 0; i < 40; i++) {
						group.fork(() -> {
							threads.add(Thread.currentThread());
							highWater.accumulateAndGet(running.incrementAndGet(), Math::max);
							liveHighWater.accumulateAndGet(liveGroupThreads(), Math::max);
							Thread.sleep(2);
							running.decrementAndGet();
							return done.incrementAndGet();
						});
					}
					group.join();
				}
			});
			request.start();
			requests.add(request);
		}
		for (Thread request : requests) {
			request.join();
		}
		assertThat(done).hasValue(120);
		assertThat(threads).hasSizeLessThanOrEqualTo(4);
		assertThat(highWater.get()).isLessThanOrEqualTo(4);
		assertThat(liveHighWater.get()).isBetween(1, 4);
		assertThat(liveGroupThreads()).isLessThanOrEqualTo(4);
		assertThat(threads).allSatisfy((thread) -> assertThat(thread.getName()).startsWith("sluice-group-"));
	}

	@Test
	void nestedGroupsOnASaturatedPlatformPoolRunInlineInsteadOfDeadlocking() {
		TaskGroups groups = platform(2);
		Set<Thread> threads = ConcurrentHashMap.newKeySet();
		AtomicInteger nestedDone = new AtomicInteger();
		// With forks queued behind busy threads, both pool threads would wait in their
		// nested join() for
		// subtasks that can never get a thread; the 5 s deadline would then fail this
		// test.
		try (TaskGroup outer = groups.open(Duration.ofSeconds(5))) {
			for (int i = 0; i < 4; i++) {
				outer.fork(() -> {
					threads.add(Thread.currentThread());
					try (TaskGroup nested = groups.open()) {
						for (int j = 0; j < 3; j++) {
							nested.fork(() -> {
								threads.add(Thread.currentThread());
								Thread.sleep(20);
								return nestedDone.incrementAndGet();
							});
						}
						nested.join();
					}
					return null;
				});
			}
			outer.join();
		}
		assertThat(nestedDone).hasValue(12);
		assertThat(threads).hasSizeLessThanOrEqualTo(2)
			.allSatisfy((thread) -> assertThat(thread.getName()).startsWith("sluice-group-"));
		assertThat(groups.getActiveCount()).isZero();
	}

	@Test
	void anInlineSubtaskThatIsCancelledLeavesTheOuterSubtaskInterruptedWhenItsGroupIsCancelledToo() throws Exception {
		TaskGroups groups = platform(1);
		CountDownLatch innerSleeping = new CountDownLatch(1);
		AtomicInteger outerSawInterrupt = new AtomicInteger();
		IllegalStateException boom = new IllegalStateException("outer group fails");
		try (TaskGroup outer = groups.open()) {
			outer.fork(() -> {
				try (TaskGroup nested = groups.open()) {
					// the one pool thread is this one: the nested subtask runs inline,
					// here
					nested.fork(() -> {
						innerSleeping.countDown();
						Thread.sleep(30_000);
						return null;
					});
					try {
						nested.join();
					}
					catch (RuntimeException ex) {
						// the inline subtask took the interrupt meant for this outer
						// subtask
					}
				}
				if (Thread.currentThread().isInterrupted()) {
					outerSawInterrupt.incrementAndGet();
				}
				return null;
			});
			// fork() returned only after the inline subtask ended, so cancel the outer
			// group from another thread
			Thread canceller = new Thread(() -> {
				try {
					innerSleeping.await();
					outer.cancel(boom);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			});
			canceller.start();
			canceller.join(10_000);
			assertThatExceptionOfType(IllegalStateException.class).isThrownBy(outer::join).isSameAs(boom);
		}
		assertThat(outerSawInterrupt).hasValue(1);
	}

	@Test
	void forkAfterAFailureNeverStartsTheSubtaskAndMarksItCancelled() {
		TaskGroups groups = platform(4);
		IllegalStateException boom = new IllegalStateException("boom");
		AtomicInteger started = new AtomicInteger();
		try (TaskGroup group = groups.open()) {
			group.fork(() -> {
				throw boom;
			});
			org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(group::isCancelled);
			Subtask<Integer> late = group.fork(started::incrementAndGet);
			Optional<Subtask<Integer>> tried = group.tryFork(started::incrementAndGet);
			assertThat(late.state()).isEqualTo(Subtask.State.CANCELLED);
			assertThat(tried)
				.hasValueSatisfying((subtask) -> assertThat(subtask.state()).isEqualTo(Subtask.State.CANCELLED));
			assertThatIllegalStateException().isThrownBy(late::get).withMessageContaining("CANCELLED");
			assertThatExceptionOfType(IllegalStateException.class).isThrownBy(group::join).isSameAs(boom);
		}
		assertThat(started).hasValue(0);
	}

	@Test
	void anInterruptedJoinCancelsTheGroupKeepsTheFlagAndThrows() throws Exception {
		TaskGroups groups = platform(4);
		CountDownLatch sleeping = new CountDownLatch(2);
		CountDownLatch interrupted = new CountDownLatch(2);
		AtomicInteger ended = new AtomicInteger();
		AtomicReference<Throwable> thrown = new AtomicReference<>();
		AtomicReference<Boolean> flagAfterJoin = new AtomicReference<>();
		AtomicReference<Boolean> flagAfterClose = new AtomicReference<>();
		Thread joiner = new Thread(() -> {
			try (TaskGroup group = groups.open()) {
				group.fork(() -> sleepUntilInterrupted(sleeping, interrupted, ended));
				group.fork(() -> sleepUntilInterrupted(sleeping, interrupted, ended));
				try {
					group.join();
				}
				catch (Throwable ex) {
					thrown.set(ex);
					flagAfterJoin.set(Thread.currentThread().isInterrupted());
				}
			}
			flagAfterClose.set(Thread.currentThread().isInterrupted());
		});
		joiner.start();
		assertThat(sleeping.await(5, TimeUnit.SECONDS)).isTrue();
		joiner.interrupt();
		joiner.join(10_000);
		assertThat(joiner.isAlive()).isFalse();
		assertThat(thrown.get()).isInstanceOf(TaskGroupException.class).hasCauseInstanceOf(InterruptedException.class);
		assertThat(flagAfterJoin.get()).isTrue();
		assertThat(flagAfterClose.get()).isTrue();
		assertThat(interrupted.getCount()).isZero();
		assertThat(ended).hasValue(2);
	}

	@Test
	void whenTheDeadlinePassesWhileForkWaitsForASlotTheGroupIsCancelledAndJoinThrowsDeadlineExceeded() {
		TaskGroups groups = platform(4);
		CountDownLatch sleeping = new CountDownLatch(1);
		CountDownLatch interrupted = new CountDownLatch(1);
		AtomicInteger ended = new AtomicInteger();
		long start = System.nanoTime();
		try (TaskGroup group = groups.open(Duration.ofMillis(300))) {
			group.limit(1);
			group.fork(() -> sleepUntilInterrupted(sleeping, interrupted, ended));
			Subtask<String> waited = group.fork(() -> "never");
			long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
			assertThat(tookMillis).isBetween(290L, 3_000L);
			assertThat(waited.state()).isEqualTo(Subtask.State.CANCELLED);
			assertThatExceptionOfType(DeadlineExceededException.class).isThrownBy(group::join);
		}
		assertThat(interrupted.getCount()).isZero();
		assertThat(ended).hasValue(1);
	}

	@Test
	void destroyCancelsGroupsLeftOpenAndLeavesNoGroupThreadAlive() throws Exception {
		TaskGroups groups = platform(4);
		CountDownLatch sleeping = new CountDownLatch(3);
		CountDownLatch interrupted = new CountDownLatch(3);
		AtomicInteger ended = new AtomicInteger();
		TaskGroup leftOpen = groups.open();
		for (int i = 0; i < 3; i++) {
			leftOpen.fork(() -> sleepUntilInterrupted(sleeping, interrupted, ended));
		}
		assertThat(sleeping.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(liveGroupThreads()).isEqualTo(3);
		groups.destroy();
		assertThat(ended).hasValue(3);
		assertThat(interrupted.getCount()).isZero();
		assertThat(liveGroupThreads()).isZero();
		assertThatExceptionOfType(java.util.concurrent.RejectedExecutionException.class)
			.isThrownBy(() -> groups.open().fork(() -> "after shutdown"));
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void onVirtualThreadsTenThousandSubtasksSleeping100msFinishInASmallMultipleOf100ms() throws Exception {
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
		groups.destroy();
		assertThat(liveGroupThreads()).isZero();
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void onVirtualThreadsDestroyInterruptsWhatStillRunsAndLeavesNoGroupThreadAlive() throws Exception {
		TaskGroups groups = track(new TaskGroups(true, 64, this.runningTasks));
		CountDownLatch sleeping = new CountDownLatch(2);
		CountDownLatch interrupted = new CountDownLatch(2);
		AtomicInteger ended = new AtomicInteger();
		TaskGroup leftOpen = groups.open();
		leftOpen.fork(() -> sleepUntilInterrupted(sleeping, interrupted, ended));
		leftOpen.fork(() -> sleepUntilInterrupted(sleeping, interrupted, ended));
		assertThat(sleeping.await(5, TimeUnit.SECONDS)).isTrue();
		groups.destroy();
		assertThat(ended).hasValue(2);
		assertThat(liveGroupThreads()).isZero();
	}

	private static int liveGroupThreads() {
		return (int) SluiceThreads.live()
			.stream()
			.filter((thread) -> thread.isAlive() && thread.getName().startsWith("sluice-group-"))
			.count();
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
