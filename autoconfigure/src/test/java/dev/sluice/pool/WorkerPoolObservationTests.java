package dev.sluice.pool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.sluice.core.RunningTasks;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Every pool task is one {@code sluice.pool.task} observation from submit to its final
 * outcome, a child of the submitter's observation, and every one that starts also stops,
 * whatever the outcome.
 */
class WorkerPoolObservationTests {

	private final Recorder recorder = new Recorder();

	private final ObservationRegistry registry = ObservationRegistry.create();

	private final WorkerPools pools;

	WorkerPoolObservationTests() {
		this.registry.observationConfig().observationHandler(this.recorder);
		this.pools = new WorkerPools(new RunningTasks(), null, List.of(), this.registry);
	}

	@AfterEach
	void drainPools() {
		this.pools.drainAll();
	}

	@Test
	void aTaskIsAChildOfTheSubmittersObservationWithPoolAndOutcome() throws Exception {
		WorkerPool pool = this.pools.create(WorkerPoolTests.spec("observed", 2, 100, WhenFull.REJECT));
		Observation request = Observation.start("request", this.registry);
		List<CompletableFuture<Void>> futures = new ArrayList<>();
		try (Observation.Scope scope = request.openScope()) {
			for (int i = 0; i < 20; i++) {
				futures.add(pool.submit("task-" + i, () -> {
				}));
			}
		}
		CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
		request.stop();

		List<Observation.Context> tasks = this.recorder.stopped(WorkerPool.OBSERVATION_NAME);
		assertThat(tasks).hasSize(20).allSatisfy((task) -> {
			assertThat(task.getParentObservation()).isSameAs(request);
			assertThat(task.getLowCardinalityKeyValue("pool").getValue()).isEqualTo("observed");
			assertThat(task.getLowCardinalityKeyValue("outcome").getValue()).isEqualTo("completed");
			assertThat(this.recorder.events(task)).containsExactly("started");
		});
		assertThat(this.recorder.started(WorkerPool.OBSERVATION_NAME)).isEqualTo(20);
	}

	@Test
	void aRejectedTaskEndsAsRejectedAndMarksTheSubmittersObservation() throws Exception {
		WorkerPool pool = this.pools.create(WorkerPoolTests.spec("tiny", 1, 0, WhenFull.REJECT));
		CountDownLatch release = new CountDownLatch(1);
		Observation request = Observation.start("request", this.registry);
		CompletableFuture<Void> blocker;
		try (Observation.Scope scope = request.openScope()) {
			blocker = pool.submit("blocker", () -> WorkerPoolTests.awaitQuietly(release));
			assertThatExceptionOfType(PoolFullException.class).isThrownBy(() -> pool.submit("refused", () -> {
			}));
		}
		release.countDown();
		blocker.get(10, TimeUnit.SECONDS);
		request.stop();

		assertThat(this.recorder.events(request.getContext())).containsExactly("sluice.pool.rejected");
		assertThat(this.recorder.stopped(WorkerPool.OBSERVATION_NAME))
			.extracting((task) -> task.getLowCardinalityKeyValue("outcome").getValue())
			.containsExactlyInAnyOrder("completed", "rejected");
		assertThat(this.recorder.stopped(WorkerPool.OBSERVATION_NAME)).filteredOn((task) -> task.getError() != null)
			.singleElement()
			.satisfies((task) -> assertThat(task.getError()).isInstanceOf(PoolFullException.class));
	}

	@Test
	void aRetriedTaskIsOneObservationWithAStartedEventPerAttemptAndTheLastOutcome() throws Exception {
		WorkerPoolSpec base = WorkerPoolTests.spec("retrying", 1, 10, WhenFull.REJECT);
		WorkerPool pool = this.pools.create(new WorkerPoolSpec(base.name(), base.threads(), 1, 10, WhenFull.REJECT,
				base.waitTimeout(), Duration.ZERO, base.keepAlive(),
				new WorkerPoolSpec.RetryPolicy(3, Duration.ofMillis(10), 1.0, Duration.ofMillis(10)),
				base.drainTimeout(), false));
		CompletableFuture<Object> future = pool.submitRetryable("flaky", () -> {
			throw new IllegalStateException("always");
		});
		await().atMost(Duration.ofSeconds(10)).until(future::isDone);

		assertThat(this.recorder.stopped(WorkerPool.OBSERVATION_NAME)).singleElement().satisfies((task) -> {
			assertThat(task.getLowCardinalityKeyValue("outcome").getValue()).isEqualTo("failed");
			assertThat(task.getError()).isInstanceOf(IllegalStateException.class);
			assertThat(this.recorder.events(task)).containsExactly("started", "started", "started");
		});
	}

	@Test
	void aTaskCancelledWhileQueuedStopsItsObservationWhenAWorkerReachesIt() throws Exception {
		WorkerPool pool = this.pools.create(WorkerPoolTests.spec("cancelling", 1, 10, WhenFull.REJECT));
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<Void> blocker = pool.submit("blocker", () -> WorkerPoolTests.awaitQuietly(release));
		pool.submit("cancelled", () -> {
		}).cancel(false);
		CompletableFuture<Void> after = pool.submit("after", () -> {
		});
		release.countDown();
		CompletableFuture.allOf(blocker, after).get(10, TimeUnit.SECONDS);

		assertThat(this.recorder.stopped(WorkerPool.OBSERVATION_NAME))
			.extracting((task) -> task.getLowCardinalityKeyValue("outcome").getValue())
			.containsExactlyInAnyOrder("completed", "cancelled", "completed");
	}

	@Test
	void tasksAbandonedAtShutdownEndTheirObservationsAsAbandoned() throws Exception {
		WorkerPoolSpec base = WorkerPoolTests.spec("stopping", 1, 10, WhenFull.REJECT);
		WorkerPool pool = this.pools
			.create(new WorkerPoolSpec(base.name(), base.threads(), 1, 10, WhenFull.REJECT, base.waitTimeout(),
					Duration.ZERO, base.keepAlive(), WorkerPoolSpec.RetryPolicy.NONE, Duration.ofMillis(200), false));
		CountDownLatch started = new CountDownLatch(1);
		pool.submit("stuck", () -> {
			started.countDown();
			new CountDownLatch(1).await(); // until the drain's interrupt
			return null;
		});
		started.await(10, TimeUnit.SECONDS);
		pool.submit("never-started", () -> {
		});
		this.pools.drainAll();

		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.recorder.stopped(WorkerPool.OBSERVATION_NAME).size() == 2);
		assertThat(this.recorder.started(WorkerPool.OBSERVATION_NAME)).isEqualTo(2);
		assertThat(this.recorder.stopped(WorkerPool.OBSERVATION_NAME))
			.extracting((task) -> task.getLowCardinalityKeyValue("outcome").getValue())
			.containsExactly("abandoned", "abandoned");
	}

	/** Records what observations did; one list per context so events stay in order. */
	static final class Recorder implements ObservationHandler<Observation.Context> {

		private final List<Observation.Context> started = new CopyOnWriteArrayList<>();

		private final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();

		private final Map<Observation.Context, List<String>> events = new ConcurrentHashMap<>();

		@Override
		public void onStart(Observation.Context context) {
			this.started.add(context);
		}

		@Override
		public void onEvent(Observation.Event event, Observation.Context context) {
			this.events.computeIfAbsent(context, (key) -> new CopyOnWriteArrayList<>()).add(event.getName());
		}

		@Override
		public void onStop(Observation.Context context) {
			this.stopped.add(context);
		}

		@Override
		public boolean supportsContext(Observation.Context context) {
			return true;
		}

		long started(String name) {
			return this.started.stream().filter((context) -> name.equals(context.getName())).count();
		}

		List<Observation.Context> stopped(String name) {
			return this.stopped.stream().filter((context) -> name.equals(context.getName())).toList();
		}

		List<String> events(Observation.Context context) {
			return this.events.getOrDefault(context, List.of());
		}

	}

}
