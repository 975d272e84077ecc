package dev.sluice.test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.sluice.core.RunningTasks;
import dev.sluice.group.TaskGroup;
import dev.sluice.group.TaskGroups;
import dev.sluice.pool.ThreadKind;
import dev.sluice.pool.WhenFull;
import dev.sluice.pool.WorkerPool;
import dev.sluice.pool.WorkerPoolSpec;
import dev.sluice.pool.WorkerPools;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * sluice-test's {@link DetectThreadLeaks} on Sluice's own threads: a pool task or a
 * task-group subtask left running fails the test that left it, virtual threads included
 * (the JDK lists those nowhere; the extension reads Sluice's registry), and a test that
 * drains its pool and closes its group passes.
 */
class SluiceThreadLeakTests {

	static volatile CountDownLatch release;

	static volatile WorkerPools pools;

	static volatile TaskGroups taskGroups;

	@BeforeEach
	void freshPoolsAndGroups() {
		release = new CountDownLatch(1);
		pools = new WorkerPools(new RunningTasks(), new SimpleMeterRegistry(), List.of());
	}

	@AfterEach
	void stopWhatTheInnerTestsLeft() throws InterruptedException {
		release.countDown();
		pools.drainAll();
		if (taskGroups != null) {
			taskGroups.destroy();
			taskGroups = null;
		}
	}

	@Test
	void aPoolTaskLeftRunningFailsTheTestNamingItsThreadAndStack() {
		Throwable failure = failureOf(LeavesAPoolTaskRunning.class);
		assertThat(failure).hasMessageContaining("1 thread(s) left behind by submitsAndReturns()")
			.hasMessageContaining("\"sluice-reports-1\" (started by Sluice)")
			.hasMessageContaining(SluiceThreadLeakTests.class.getName() + ".awaitRelease");
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void aVirtualPoolTaskLeftRunningFailsTheTest() {
		Throwable failure = failureOf(LeavesAVirtualPoolTaskRunning.class);
		assertThat(failure).hasMessageContaining("\"sluice-virtual-reports-1\" virtual (started by Sluice)")
			.hasMessageContaining(SluiceThreadLeakTests.class.getName() + ".awaitRelease");
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void aVirtualSubtaskLeftRunningFailsTheTest() {
		Throwable failure = failureOf(LeavesAVirtualSubtaskRunning.class);
		assertThat(failure).hasMessageContaining("\"sluice-group-1\" virtual (started by Sluice)")
			.hasMessageContaining(SluiceThreadLeakTests.class.getName() + ".awaitRelease");
		assertThat(Thread.getAllStackTraces().keySet()).as("the JDK does not list virtual threads")
			.noneMatch((thread) -> thread.getName().equals("sluice-group-1"));
	}

	@Test
	void aPlatformSubtaskLeftRunningFailsTheTest() {
		assertThat(failureOf(LeavesAPlatformSubtaskRunning.class))
			.hasMessageContaining("\"sluice-group-1\" daemon (started by Sluice)");
	}

	@Test
	void aTestThatDrainsItsPoolAndClosesItsGroupPasses() {
		EngineExecutionResults results = run(CleansUp.class);
		results.testEvents().assertStatistics((stats) -> stats.started(1).succeeded(1).failed(0));
	}

	private static EngineExecutionResults run(Class<?> testClass) {
		return EngineTestKit.engine("junit-jupiter").selectors(selectClass(testClass)).execute();
	}

	private static Throwable failureOf(Class<?> testClass) {
		EngineExecutionResults results = run(testClass);
		results.testEvents().assertStatistics((stats) -> stats.started(1).failed(1));
		return results.testEvents()
			.failed()
			.stream()
			.findFirst()
			.flatMap((event) -> event.getPayload(TestExecutionResult.class))
			.flatMap(TestExecutionResult::getThrowable)
			.orElseThrow();
	}

	static void awaitRelease() throws InterruptedException {
		release.await(30, TimeUnit.SECONDS);
	}

	static String awaitReleaseAsTask() throws InterruptedException {
		awaitRelease();
		return "released";
	}

	static WorkerPoolSpec spec(String name, ThreadKind threads) {
		return new WorkerPoolSpec(name, threads, 1, 10, WhenFull.REJECT, Duration.ofMillis(50), Duration.ZERO,
				Duration.ofSeconds(60), WorkerPoolSpec.RetryPolicy.NONE, Duration.ofSeconds(5), false);
	}

	@DetectThreadLeaks(graceMillis = 300)
	static class LeavesAPoolTaskRunning {

		@Test
		void submitsAndReturns() {
			WorkerPool pool = pools.create(spec("reports", ThreadKind.PLATFORM));
			pool.submit("report-42", SluiceThreadLeakTests::awaitReleaseAsTask);
		}

	}

	@DetectThreadLeaks(graceMillis = 300)
	static class LeavesAVirtualPoolTaskRunning {

		@Test
		void submitsAndReturns() {
			WorkerPool pool = pools.create(spec("virtual-reports", ThreadKind.VIRTUAL));
			pool.submit("report-43", SluiceThreadLeakTests::awaitReleaseAsTask);
		}

	}

	@DetectThreadLeaks(graceMillis = 300)
	static class LeavesAVirtualSubtaskRunning {

		@Test
		void forksAndNeverClosesTheGroup() {
			taskGroups = new TaskGroups(true, 8, new RunningTasks());
			TaskGroup group = taskGroups.open();
			group.fork(() -> {
				awaitRelease();
				return "done";
			});
		}

	}

	@DetectThreadLeaks(graceMillis = 300)
	static class LeavesAPlatformSubtaskRunning {

		@Test
		void forksAndNeverClosesTheGroup() {
			taskGroups = new TaskGroups(false, 8, new RunningTasks());
			TaskGroup group = taskGroups.open();
			group.fork(() -> {
				awaitRelease();
				return "done";
			});
		}

	}

	@DetectThreadLeaks(graceMillis = 300)
	static class CleansUp {

		@Test
		void drainsItsPoolAndClosesItsGroup() throws Exception {
			WorkerPool pool = pools.create(spec("tidy", ThreadKind.PLATFORM));
			assertThat(pool.submit("tidy-1", () -> "done").get(5, TimeUnit.SECONDS)).isEqualTo("done");
			TaskGroups groups = new TaskGroups(false, 8, new RunningTasks());
			try (TaskGroup group = groups.open()) {
				group.fork(() -> "forked");
				group.join();
			}
			groups.destroy();
			pools.drainAll();
		}

	}

}
