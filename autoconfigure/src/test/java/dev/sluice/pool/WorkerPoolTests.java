package dev.sluice.pool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import dev.sluice.core.RunningTasks;
import dev.sluice.deadline.Deadline;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.slf4j.MDC;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

class WorkerPoolTests {

	private final MeterRegistry registry = new SimpleMeterRegistry();

	private final WorkerPools pools = new WorkerPools(new RunningTasks(), this.registry, List.of());

	@AfterEach
	void drainPools() {
		this.pools.drainAll();
	}

	@Test
	void poolOfSizeNNeverRunsMoreThanNTasksAtOnceUnderManySubmitters() throws Exception {
		WorkerPool pool = pool(spec("bounded", 4, 10_000, WhenFull.REJECT));
		AtomicInteger running = new AtomicInteger();
		AtomicInteger highWater = new AtomicInteger();
		AtomicInteger ran = new AtomicInteger();
		List<CompletableFuture<Void>> futures = new CopyOnWriteArrayList<>();
		CountDownLatch go = new CountDownLatch(1);
		List<Thread> submitters = new ArrayList<>();
		for (int s = 0; s < 16; s++) {
			int submitter = s;
			Thread thread = new Thread(() -> {
				awaitQuietly(go);
				for (int i = 0; i < 50; i++) {
					futures.add(pool.submit("task-" + submitter + "-" + i, () -> {
						int now = running.incrementAndGet();
						highWater.accumulateAndGet(now, Math::max);
						sleep(1);
						running.decrementAndGet();
						ran.incrementAndGet();
					}));
				}
			});
			thread.start();
			submitters.add(thread);
		}
		go.countDown();
		for (Thread submitter : submitters) {
			submitter.join();
		}
		CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
		assertThat(ran.get()).isEqualTo(800);
		assertThat(highWater.get()).isEqualTo(4);
		assertThat(counter("bounded", "completed")).isEqualTo(800);
		assertThat(counter("bounded", "rejected")).isZero();
	}

	@Test
	void whenQueueIsFullThenSubmitIsRejectedAndCounted() throws Exception {
		WorkerPool pool = pool(spec("reject", 1, 1, WhenFull.REJECT));
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch started = new CountDownLatch(1);
		CompletableFuture<Void> first = pool.submit("first", () -> {
			started.countDown();
			awaitQuietly(release);
		});
		started.await();
		CompletableFuture<Void> queued = pool.submit("queued", () -> {
		});
		assertThatExceptionOfType(PoolFullException.class).isThrownBy(() -> pool.submit("third", () -> {
		})).withMessageContaining("reject").withMessageContaining("third");
		assertThat(counter("reject", "rejected")).isEqualTo(1);
		release.countDown();
		first.get(5, TimeUnit.SECONDS);
		queued.get(5, TimeUnit.SECONDS);
		assertThat(counter("reject", "completed")).isEqualTo(2);
	}

	@Test
	void whenQueueIsFullWithCallerRunsThenTheSubmitterRunsTheTask() throws Exception {
		WorkerPool pool = pool(spec("caller", 1, 0, WhenFull.CALLER_RUNS));
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch started = new CountDownLatch(1);
		pool.submit("blocker", () -> {
			started.countDown();
			awaitQuietly(release);
		});
		started.await();
		AtomicReference<Thread> ranOn = new AtomicReference<>();
		pool.submit("overflow", () -> ranOn.set(Thread.currentThread())).get(5, TimeUnit.SECONDS);
		assertThat(ranOn.get()).isSameAs(Thread.currentThread());
		assertThat(counter("caller", "rejected")).isZero();
		release.countDown();
	}

	@Test
	void whenQueueIsFullWithWaitThenSubmitBlocksUpToTheWaitTimeoutThenRejects() throws Exception {
		WorkerPoolSpec base = spec("wait", 1, 1, WhenFull.WAIT);
		WorkerPool pool = pool(new WorkerPoolSpec(base.name(), base.threads(), 1, 1, WhenFull.WAIT,
				Duration.ofMillis(300), Duration.ZERO, base.keepAlive(), base.retry(), base.drainTimeout(), false));
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch started = new CountDownLatch(1);
		pool.submit("blocker", () -> {
			started.countDown();
			awaitQuietly(release);
		});
		started.await();
		pool.submit("queued", () -> {
		});
		long start = System.nanoTime();
		assertThatExceptionOfType(PoolFullException.class).isThrownBy(() -> pool.submit("late", () -> {
		})).withMessageContaining("after waiting 300 ms");
		long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
		assertThat(waitedMillis).isBetween(290L, 3_000L);
		assertThat(counter("wait", "rejected")).isEqualTo(1);

		// Room that appears during the wait lets the submit through.
		new Thread(() -> {
			sleep(100);
			release.countDown();
		}).start();
		pool.submit("patient", () -> {
		}).get(5, TimeUnit.SECONDS);
		assertThat(counter("wait", "rejected")).isEqualTo(1);
	}

	@Test
	void taskTimeoutInterruptsASleepingTaskAndCountsItTimedOutWithoutPoisoningTheWorker() throws Exception {
		WorkerPoolSpec base = spec("timeouts", 1, 10, WhenFull.REJECT);
		WorkerPool pool = pool(
				new WorkerPoolSpec(base.name(), base.threads(), 1, 10, WhenFull.REJECT, base.waitTimeout(),
						Duration.ofMillis(200), base.keepAlive(), base.retry(), base.drainTimeout(), false));
		AtomicBoolean sawInterrupt = new AtomicBoolean();
		CompletableFuture<Void> slow = pool.submit("slow", () -> {
			try {
				Thread.sleep(10_000);
			}
			catch (InterruptedException ex) {
				sawInterrupt.set(true);
				throw new IllegalStateException("interrupted", ex);
			}
		});
		AtomicBoolean nextInterrupted = new AtomicBoolean(true);
		CompletableFuture<Void> next = pool.submit("next", () -> {
			nextInterrupted.set(Thread.currentThread().isInterrupted());
			sleep(50);
		});
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> slow.get(5, TimeUnit.SECONDS))
			.withCauseInstanceOf(TimeoutException.class);
		next.get(5, TimeUnit.SECONDS);
		assertThat(sawInterrupt).isTrue();
		assertThat(nextInterrupted).isFalse();
		assertThat(counter("timeouts", "timed_out")).isEqualTo(1);
		assertThat(counter("timeouts", "completed")).isEqualTo(1);
	}

	@Test
	void retriesFollowTheBackoffAndStopAtMaxAttempts() throws Exception {
		WorkerPoolSpec base = spec("retries", 2, 10, WhenFull.REJECT);
		WorkerPool pool = pool(new WorkerPoolSpec(base.name(), base.threads(), 2, 10, WhenFull.REJECT,
				base.waitTimeout(), Duration.ZERO, base.keepAlive(),
				new WorkerPoolSpec.RetryPolicy(3, Duration.ofMillis(100), 2.0, Duration.ofSeconds(1)),
				base.drainTimeout(), false));
		List<Long> runs = new CopyOnWriteArrayList<>();
		CompletableFuture<Void> failing = pool.submitRetryable("always-fails", (Runnable) () -> {
			runs.add(System.nanoTime());
			throw new IllegalStateException("run " + runs.size());
		});
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> failing.get(10, TimeUnit.SECONDS))
			.havingCause()
			.withMessage("run 3");
		assertThat(runs).hasSize(3);
		assertThat(TimeUnit.NANOSECONDS.toMillis(runs.get(1) - runs.get(0))).isGreaterThanOrEqualTo(100);
		assertThat(TimeUnit.NANOSECONDS.toMillis(runs.get(2) - runs.get(1))).isGreaterThanOrEqualTo(200);
		assertThat(counter("retries", "failed")).isEqualTo(1);

		AtomicInteger attempts = new AtomicInteger();
		String result = pool.submitRetryable("second-time-lucky", () -> {
			if (attempts.incrementAndGet() < 2) {
				throw new IllegalStateException("first");
			}
			return "ok";
		}).get(10, TimeUnit.SECONDS);
		assertThat(result).isEqualTo("ok");
		assertThat(attempts).hasValue(2);
		assertThat(counter("retries", "completed")).isEqualTo(1);
		assertThat(counter("retries", "failed")).isEqualTo(1);

		AtomicInteger plainRuns = new AtomicInteger();
		CompletableFuture<Void> plain = pool.submit("not-retryable", () -> {
			plainRuns.incrementAndGet();
			throw new IllegalStateException("once");
		});
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> plain.get(5, TimeUnit.SECONDS));
		assertThat(plainRuns).hasValue(1);
	}

	@Test
	void mdcOfTheSubmitterReachesTheTaskAndDoesNotLeakIntoTheNext() throws Exception {
		WorkerPool pool = pool(spec("mdc", 1, 10, WhenFull.REJECT));
		MDC.put("requestId", "r-42");
		CompletableFuture<String> seen;
		try {
			seen = pool.submit("with-mdc", () -> MDC.get("requestId"));
		}
		finally {
			MDC.remove("requestId");
		}
		assertThat(seen.get(5, TimeUnit.SECONDS)).isEqualTo("r-42");
		assertThat(pool.submit("without-mdc", () -> Optional.ofNullable(MDC.get("requestId"))).get(5, TimeUnit.SECONDS))
			.isEmpty();
	}

	@Test
	void deadlineReachesTheTaskOnlyWhenInheritDeadlineIsOn() throws Exception {
		WorkerPoolSpec base = spec("plain", 1, 10, WhenFull.REJECT);
		WorkerPool plain = pool(base);
		WorkerPool inheriting = pool(new WorkerPoolSpec("inheriting", base.threads(), 1, 10, WhenFull.REJECT,
				base.waitTimeout(), Duration.ZERO, base.keepAlive(), base.retry(), base.drainTimeout(), true));
		Deadline deadline = Deadline.after(Duration.ofSeconds(30));
		CompletableFuture<Optional<Deadline>> inPlain;
		CompletableFuture<Optional<Deadline>> inInheriting;
		try (Deadline.Scope scope = deadline.attach()) {
			inPlain = plain.submit("plain", Deadline::current);
			inInheriting = inheriting.submit("inheriting", Deadline::current);
		}
		assertThat(inPlain.get(5, TimeUnit.SECONDS)).isEmpty();
		assertThat(inInheriting.get(5, TimeUnit.SECONDS)).containsSame(deadline);
	}

	@Test
	void closingRunsQueuedTasksWithinTheDrainTimeout() throws Exception {
		WorkerPool pool = pool(spec("drained", 2, 100, WhenFull.REJECT));
		AtomicInteger ran = new AtomicInteger();
		for (int i = 0; i < 50; i++) {
			pool.submit("job-" + i, () -> {
				sleep(5);
				ran.incrementAndGet();
			});
		}
		List<PoolDrain> drains = this.pools.drainAll();
		assertThat(ran).hasValue(50);
		assertThat(drains).singleElement().satisfies((drain) -> {
			assertThat(drain.abandoned()).isEmpty();
			assertThat(drain.completed()).isPositive();
		});
		assertThatExceptionOfType(PoolFullException.class).isThrownBy(() -> pool.submit("late", () -> {
		})).withMessageContaining("shutting down");
	}

	@Test
	void aRetryableTaskThatFailsDuringTheDrainRunsAgainAtOnceInsteadOfBeingAbandoned() throws Exception {
		WorkerPoolSpec base = spec("retry-drain", 1, 10, WhenFull.REJECT);
		WorkerPool pool = pool(new WorkerPoolSpec("retry-drain", base.threads(), 1, 10, WhenFull.REJECT,
				base.waitTimeout(), Duration.ZERO, base.keepAlive(),
				new WorkerPoolSpec.RetryPolicy(3, Duration.ofSeconds(20), 1.0, Duration.ofSeconds(20)),
				Duration.ofSeconds(10), false));
		CountDownLatch drainStarted = new CountDownLatch(1);
		AtomicInteger attempts = new AtomicInteger();
		CompletableFuture<String> retried = pool.submitRetryable("flaky", () -> {
			if (attempts.incrementAndGet() == 1) {
				drainStarted.await();
				throw new IllegalStateException("first run fails while the pool drains");
			}
			return "ok";
		});
		await().atMost(Duration.ofSeconds(5)).until(() -> attempts.get() == 1);
		CompletableFuture<List<PoolDrain>> drain = CompletableFuture.supplyAsync(this.pools::drainAll);
		await().atMost(Duration.ofSeconds(5)).until(pool::isShutdown);
		long start = System.nanoTime();
		drainStarted.countDown();
		List<PoolDrain> drains = drain.get(10, TimeUnit.SECONDS);
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("no 20 s backoff during the drain")
			.isLessThan(5_000);
		assertThat(retried.get(1, TimeUnit.SECONDS)).isEqualTo("ok");
		assertThat(attempts).hasValue(2);
		assertThat(drains).singleElement().satisfies((drained) -> assertThat(drained.abandoned()).isEmpty());
		assertThat(counter("retry-drain", "completed")).isEqualTo(1);
	}

	@Test
	void aRetryWaitingForItsBackoffWhenTheDrainBeginsRunsAtOnce() throws Exception {
		WorkerPoolSpec base = spec("retry-waiting", 1, 10, WhenFull.REJECT);
		WorkerPool pool = pool(new WorkerPoolSpec("retry-waiting", base.threads(), 1, 10, WhenFull.REJECT,
				base.waitTimeout(), Duration.ZERO, base.keepAlive(),
				new WorkerPoolSpec.RetryPolicy(2, Duration.ofSeconds(20), 1.0, Duration.ofSeconds(20)),
				Duration.ofSeconds(10), false));
		AtomicInteger attempts = new AtomicInteger();
		CompletableFuture<String> retried = pool.submitRetryable("flaky", () -> {
			if (attempts.incrementAndGet() == 1) {
				throw new IllegalStateException("first run fails");
			}
			return "ok";
		});
		await().atMost(Duration.ofSeconds(5)).until(() -> attempts.get() == 1 && pool.getActiveCount() == 0);
		long start = System.nanoTime();
		List<PoolDrain> drains = this.pools.drainAll();
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
		assertThat(retried.get(1, TimeUnit.SECONDS)).isEqualTo("ok");
		assertThat(drains).singleElement().satisfies((drained) -> assertThat(drained.abandoned()).isEmpty());
	}

	@Test
	void afterTheDrainNoWorkerOrTimerThreadOfThePoolsIsLeftAlive() throws Exception {
		WorkerPoolSpec base = spec("threads-gone", 4, 10, WhenFull.REJECT);
		WorkerPool pool = pool(new WorkerPoolSpec("threads-gone", base.threads(), 4, 10, WhenFull.REJECT,
				base.waitTimeout(), Duration.ofSeconds(5), base.keepAlive(), base.retry(), base.drainTimeout(), false));
		List<CompletableFuture<Void>> futures = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			futures.add(pool.submit("t-" + i, () -> sleep(5)));
		}
		CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
		this.pools.drainAll();
		assertThat(dev.sluice.core.SluiceThreads.live()).extracting(Thread::getName)
			.noneMatch((name) -> name.startsWith("sluice-threads-gone-") || name.startsWith("sluice-pool-timer-"));
	}

	@Test
	void poolsStuckOnTasksThatIgnoreTheInterruptShareOneGraceInsteadOfTakingOneEach() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		List<WorkerPool> stuckPools = new ArrayList<>();
		for (String name : List.of("stuck-a", "stuck-b", "stuck-c")) {
			WorkerPoolSpec base = spec(name, 1, 10, WhenFull.REJECT);
			WorkerPool pool = pool(new WorkerPoolSpec(name, base.threads(), 1, 10, WhenFull.REJECT, base.waitTimeout(),
					Duration.ZERO, base.keepAlive(), base.retry(), Duration.ofMillis(300), false));
			pool.submit(name + "-job", () -> {
				while (release.getCount() > 0) { // swallows every interrupt until the
													// test lets it go
					try {
						release.await(20, TimeUnit.MILLISECONDS);
					}
					catch (InterruptedException ignored) {
						// ignored on purpose
					}
				}
			});
			stuckPools.add(pool);
		}
		await().atMost(Duration.ofSeconds(5)).until(() -> stuckPools.stream().allMatch((p) -> p.getActiveCount() == 1));
		long start = System.nanoTime();
		List<PoolDrain> drains = this.pools.drainAll();
		long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
		release.countDown();
		// 300 ms drain timeout, then one 2 s grace for all three pools: about 2.3 s; one
		// grace per pool, as
		// before, took 6.3 s
		assertThat(tookMillis).isBetween(2_000L, 4_000L);
		assertThat(drains).hasSize(3)
			.allSatisfy((drain) -> assertThat(drain.abandoned()).singleElement()
				.satisfies((task) -> assertThat(task.reason()).isEqualTo(UnfinishedTask.Reason.STILL_RUNNING)));
	}

	@Test
	void aTaskThatCatchesTheDrainsInterruptAndReturnsIsReportedAsInterruptedNotCompleted() throws Exception {
		WorkerPoolSpec base = spec("swallows", 1, 10, WhenFull.REJECT);
		WorkerPool pool = pool(new WorkerPoolSpec("swallows", base.threads(), 1, 10, WhenFull.REJECT,
				base.waitTimeout(), Duration.ZERO, base.keepAlive(), base.retry(), Duration.ofMillis(300), false));
		AtomicBoolean caught = new AtomicBoolean();
		CompletableFuture<Void> running = pool.submit("running", () -> {
			try {
				Thread.sleep(10_000);
			}
			catch (InterruptedException ex) {
				caught.set(true);
				Thread.currentThread().interrupt();
			}
		});
		CompletableFuture<Void> queued = pool.submit("queued", () -> sleep(1));
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.getActiveCount() == 1);

		List<PoolDrain> drains = this.pools.drainAll();

		assertThat(caught).isTrue();
		assertThat(drains).singleElement().satisfies((drain) -> {
			assertThat(drain.completed()).isZero();
			assertThat(drain.abandoned()).extracting(UnfinishedTask::taskId, UnfinishedTask::reason)
				.containsExactlyInAnyOrder(tuple("running", UnfinishedTask.Reason.INTERRUPTED),
						tuple("queued", UnfinishedTask.Reason.NEVER_STARTED));
		});
		assertThat(running).isCompletedExceptionally();
		assertThatExceptionOfType(CancellationException.class).isThrownBy(() -> running.get(1, TimeUnit.SECONDS));
		assertThat(queued).isCompletedExceptionally();
		assertThat(counter("swallows", "completed")).isZero();
		assertThat(counter("swallows", "abandoned")).isEqualTo(2);
	}

	@Test
	void aTaskRunOnItsCallersThreadIsInterruptedByTheDrainAndTheCallerKeepsNoInterrupt() throws Exception {
		WorkerPoolSpec base = spec("caller-drain", 1, 0, WhenFull.CALLER_RUNS);
		WorkerPool pool = pool(new WorkerPoolSpec("caller-drain", base.threads(), 1, 0, WhenFull.CALLER_RUNS,
				base.waitTimeout(), Duration.ZERO, base.keepAlive(), base.retry(), Duration.ofMillis(300), false));
		CountDownLatch release = new CountDownLatch(1);
		pool.submit("on-worker", () -> awaitQuietly(release));
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.getActiveCount() == 1);
		AtomicBoolean callerInterruptedAfterwards = new AtomicBoolean(true);
		Thread caller = new Thread(() -> {
			pool.submit("on-caller", () -> awaitQuietly(release));
			callerInterruptedAfterwards.set(Thread.currentThread().isInterrupted());
		}, "caller-runs-submitter");
		caller.start();
		await().atMost(Duration.ofSeconds(5)).until(() -> pool.getActiveCount() == 2);

		List<PoolDrain> drains = this.pools.drainAll();
		caller.join(5_000);
		release.countDown();

		assertThat(caller.isAlive()).isFalse();
		assertThat(callerInterruptedAfterwards).as("the drain's interrupt does not outlive the task").isFalse();
		assertThat(drains).singleElement()
			.satisfies(
					(drain) -> assertThat(drain.abandoned()).extracting(UnfinishedTask::taskId, UnfinishedTask::reason)
						.containsExactlyInAnyOrder(tuple("on-worker", UnfinishedTask.Reason.INTERRUPTED),
								tuple("on-caller", UnfinishedTask.Reason.INTERRUPTED)));
	}

	@Test
	void whenTheDrainTimeoutIsTooShortThenEveryUnfinishedTaskIsReportedWithItsId() throws Exception {
		WorkerPoolSpec base = spec("short", 1, 100, WhenFull.REJECT);
		WorkerPool pool = pool(new WorkerPoolSpec("short", base.threads(), 1, 100, WhenFull.REJECT, base.waitTimeout(),
				Duration.ZERO, base.keepAlive(), base.retry(), Duration.ofMillis(300), false));
		List<String> completed = new CopyOnWriteArrayList<>();
		for (int i = 0; i < 20; i++) {
			String id = "job-" + i;
			// Completed as the pool counts it: sleep(100) swallows the drain's interrupt,
			// so a job cut short still
			// returns normally, and is reported as interrupted rather than completed.
			pool.submit(id, () -> sleep(100)).thenRun(() -> completed.add(id));
		}
		List<PoolDrain> drains = this.pools.drainAll();
		List<String> abandoned = drains.get(0).abandoned().stream().map((task) -> task.taskId()).toList();
		assertThat(completed).isNotEmpty();
		assertThat(abandoned).isNotEmpty().doesNotContainAnyElementsOf(completed);
		List<String> all = new ArrayList<>(completed);
		all.addAll(abandoned);
		assertThat(all).containsExactlyInAnyOrderElementsOf(
				java.util.stream.IntStream.range(0, 20).mapToObj((i) -> "job-" + i).toList());
		assertThat(counter("short", "abandoned")).isEqualTo(abandoned.size());
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void virtualPoolBoundsConcurrencyToSizeAndReportsTheSameMeters() throws Exception {
		WorkerPoolSpec base = spec("virtual", 3, 1_000, WhenFull.REJECT);
		WorkerPool pool = pool(new WorkerPoolSpec("virtual", ThreadKind.VIRTUAL, 3, 1_000, WhenFull.REJECT,
				base.waitTimeout(), Duration.ZERO, base.keepAlive(), base.retry(), base.drainTimeout(), false));
		AtomicInteger running = new AtomicInteger();
		AtomicInteger highWater = new AtomicInteger();
		AtomicBoolean allVirtual = new AtomicBoolean(true);
		List<CompletableFuture<Void>> futures = new ArrayList<>();
		for (int i = 0; i < 200; i++) {
			futures.add(pool.submit("v-" + i, () -> {
				if (!Thread.currentThread().toString().startsWith("VirtualThread")) {
					allVirtual.set(false);
				}
				highWater.accumulateAndGet(running.incrementAndGet(), Math::max);
				sleep(2);
				running.decrementAndGet();
			}));
		}
		CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
		assertThat(allVirtual).isTrue();
		assertThat(highWater).hasValue(3);
		assertThat(counter("virtual", "completed")).isEqualTo(200);
		assertThat(this.registry.get("sluice.pool.active").tag("pool", "virtual").gauge()).isNotNull();
		assertThat(this.registry.get("sluice.pool.queued").tag("pool", "virtual").gauge()).isNotNull();
		assertThat(this.registry.get("sluice.pool.task.duration").tag("pool", "virtual").timer().count())
			.isEqualTo(200);
		assertThat(this.registry.get("sluice.pool.queue.wait").tag("pool", "virtual").timer().count()).isEqualTo(200);
	}

	@Test
	void platformPoolsAlsoReportMicrometersExecutorMeters() {
		pool(spec("metered", 2, 10, WhenFull.REJECT));
		assertThat(this.registry.get("executor.pool.max").tag("name", "metered").gauge().value()).isEqualTo(2);
		assertThat(this.registry.get("sluice.pool.tasks")
			.tag("pool", "metered")
			.tag("outcome", "rejected")
			.functionCounter()).isNotNull();
	}

	private WorkerPool pool(WorkerPoolSpec spec) {
		return this.pools.create(spec);
	}

	private double counter(String pool, String outcome) {
		return this.registry.get("sluice.pool.tasks")
			.tag("pool", pool)
			.tag("outcome", outcome)
			.functionCounter()
			.count();
	}

	static WorkerPoolSpec spec(String name, int size, int queueCapacity, WhenFull whenFull) {
		return new WorkerPoolSpec(name, ThreadKind.PLATFORM, size, queueCapacity, whenFull, Duration.ofMillis(50),
				Duration.ZERO, Duration.ofSeconds(60), WorkerPoolSpec.RetryPolicy.NONE, Duration.ofSeconds(10), false);
	}

	static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
