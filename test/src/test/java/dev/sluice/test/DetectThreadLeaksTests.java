package dev.sluice.test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Runs small test classes through the JUnit engine and checks which of them the extension
 * fails, and with what.
 */
class DetectThreadLeaksTests {

	static volatile CountDownLatch release;

	static volatile Thread leftBehind;

	@BeforeEach
	void holdTheInnerTestsThreads() {
		release = new CountDownLatch(1);
		leftBehind = null;
	}

	@AfterEach
	void releaseWhatTheInnerTestsLeft() throws InterruptedException {
		release.countDown();
		if (leftBehind != null) {
			leftBehind.join(5_000);
			assertThat(leftBehind.isAlive()).isFalse();
		}
	}

	@Test
	void aTestThatStartsAThreadAndLeavesItFailsNamingTheThreadWithItsStack() {
		EngineExecutionResults results = run(LeavesAThread.class);
		results.testEvents().assertStatistics((stats) -> stats.started(1).failed(1).succeeded(0));
		Throwable failure = failure(results);
		assertThat(failure).isInstanceOf(AssertionError.class)
			.hasMessageContaining("1 thread(s) left behind by leavesItRunning()")
			.hasMessageContaining("\"left-behind-worker\"")
			.hasMessageContaining("java.util.concurrent.CountDownLatch.await")
			.hasMessageContaining(LeavesAThread.class.getName() + ".lambda$leavesItRunning$");
	}

	@Test
	void aTestThatStopsWhatItStartsPasses() {
		run(CleansUp.class).testEvents().assertStatistics((stats) -> stats.started(2).succeeded(2).failed(0));
	}

	@Test
	void aThreadThatEndsWithinTheGracePeriodIsNotALeak() {
		run(EndsWithinGrace.class).testEvents().assertStatistics((stats) -> stats.started(1).succeeded(1));
	}

	@Test
	void threadsAliveBeforeTheTestAreNeverBlamed() throws InterruptedException {
		CountDownLatch latch = release;
		Thread before = new Thread(() -> awaitRelease(latch), "started-before-the-test");
		before.start();
		leftBehind = before;
		run(CleansUp.class).testEvents().assertStatistics((stats) -> stats.started(2).succeeded(2));
	}

	@Test
	void ignoredNamesAreNotBlamed() {
		run(LeavesAnIgnoredThread.class).testEvents().assertStatistics((stats) -> stats.started(1).succeeded(1));
	}

	@Test
	void anUnclosedExecutorFailsNamingEveryThreadItLeft() {
		EngineExecutionResults results = run(LeavesAnExecutor.class);
		results.testEvents().assertStatistics((stats) -> stats.failed(1));
		assertThat(failure(results)).hasMessageContaining("2 thread(s) left behind")
			.hasMessageContaining("\"pool-")
			.hasMessageContaining("ThreadPoolExecutor");
	}

	@Test
	void classScopeChecksOnceAfterTheWholeClass() {
		EngineExecutionResults results = run(ClassScopeLeavesAThread.class);
		results.testEvents().assertStatistics((stats) -> stats.started(2).succeeded(2));
		results.containerEvents().assertStatistics((stats) -> stats.failed(1));
		Throwable failure = results.containerEvents()
			.failed()
			.stream()
			.findFirst()
			.flatMap((event) -> event.getPayload(org.junit.platform.engine.TestExecutionResult.class))
			.flatMap(org.junit.platform.engine.TestExecutionResult::getThrowable)
			.orElseThrow();
		assertThat(failure).hasMessageContaining("left behind by DetectThreadLeaksTests$ClassScopeLeavesAThread")
			.hasMessageContaining("\"class-scope-worker\"");
	}

	@Test
	void extendWithUsesTheConfigurationParameters() {
		EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
			.selectors(selectClass(ExtendedWith.class))
			.configurationParameter(ThreadLeakSettings.GRACE_MILLIS, "100")
			.configurationParameter(ThreadLeakSettings.IGNORE, "unrelated-.*,configured-ignore-\\d+")
			.execute();
		results.testEvents().assertStatistics((stats) -> stats.started(2).succeeded(1).failed(1));
		assertThat(failure(results)).hasMessageContaining("\"configured-leak\"")
			.hasMessageContaining("still alive 100 ms after it ended");
	}

	private static EngineExecutionResults run(Class<?> testClass) {
		return EngineTestKit.engine("junit-jupiter").selectors(selectClass(testClass)).execute();
	}

	private static Throwable failure(EngineExecutionResults results) {
		Event failed = results.testEvents().failed().stream().findFirst().orElseThrow();
		return failed.getPayload(org.junit.platform.engine.TestExecutionResult.class)
			.flatMap(org.junit.platform.engine.TestExecutionResult::getThrowable)
			.orElseThrow();
	}

	static void awaitRelease() {
		awaitRelease(release);
	}

	static void awaitRelease(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	static Thread startWaiting(String name) {
		CountDownLatch latch = release;
		Thread thread = new Thread(() -> awaitRelease(latch), name);
		thread.start();
		leftBehind = thread;
		return thread;
	}

	@DetectThreadLeaks(graceMillis = 200)
	static class LeavesAThread {

		@Test
		void leavesItRunning() {
			CountDownLatch latch = release;
			Thread thread = new Thread(() -> {
				try {
					latch.await(30, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}, "left-behind-worker");
			thread.start();
			leftBehind = thread;
		}

	}

	@DetectThreadLeaks(graceMillis = 200)
	static class CleansUp {

		@Test
		void joinsItsThread() throws InterruptedException {
			Thread thread = new Thread(() -> {
			}, "joined-worker");
			thread.start();
			thread.join();
		}

		@Test
		void shutsItsExecutorDown() throws InterruptedException {
			ExecutorService executor = Executors.newFixedThreadPool(2);
			executor.submit(() -> {
			});
			executor.shutdown();
			assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
		}

	}

	@DetectThreadLeaks(graceMillis = 5_000)
	static class EndsWithinGrace {

		@Test
		void startsAShortLivedThread() {
			new Thread(() -> {
				try {
					Thread.sleep(200);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}, "short-lived").start();
		}

	}

	@DetectThreadLeaks(graceMillis = 100, ignore = "tolerated-\\d+")
	static class LeavesAnIgnoredThread {

		@Test
		void leavesAnIgnoredOne() {
			startWaiting("tolerated-1");
		}

	}

	@DetectThreadLeaks(graceMillis = 200)
	static class LeavesAnExecutor {

		static ExecutorService executor;

		@Test
		void forgetsToShutItDown() {
			executor = Executors.newFixedThreadPool(2);
			executor.submit(() -> {
			});
			executor.submit(() -> {
			});
		}

		@AfterAll
		static void shutItDownAfterTheCheck() {
			executor.shutdownNow();
		}

	}

	@DetectThreadLeaks(graceMillis = 200, scope = DetectThreadLeaks.Scope.CLASS)
	static class ClassScopeLeavesAThread {

		@Test
		void startsAThread() {
			startWaiting("class-scope-worker");
		}

		@Test
		void anotherTest() {
		}

	}

	@ExtendWith(ThreadLeakExtension.class)
	static class ExtendedWith {

		@Test
		void leavesOne() {
			startWaiting("configured-leak");
		}

		@Test
		void leavesAnIgnoredOne() {
			startWaiting("configured-ignore-7");
		}

	}

}
