package dev.sluice.autoconfigure;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import dev.sluice.core.SluiceThreads;
import dev.sluice.group.Subtask;
import dev.sluice.group.TaskGroup;
import dev.sluice.group.TaskGroups;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class SluiceTaskGroupsAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(SluiceAutoConfiguration.class, SluiceTaskGroupsAutoConfiguration.class));

	@Test
	void taskGroupsBeanIsThereByDefaultAndCanBeSwitchedOff() {
		this.runner.run((context) -> assertThat(context).hasSingleBean(TaskGroups.class));
		this.runner.withPropertyValues("sluice.task-groups.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(TaskGroups.class));
	}

	@Test
	@EnabledForJreRange(max = JRE.JAVA_20)
	void onJava17SubtasksRunOnPlatformThreadsAndVirtualFailsSayingJava21IsNeeded() {
		assertThat(threadOfASubtask()).startsWith("Thread[sluice-group-");
		this.runner.withPropertyValues("sluice.task-groups.threads=virtual")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("sluice.task-groups.threads")
				.hasMessageContaining("Java 21"));
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void onJava21SubtasksRunOnVirtualThreadsByDefault() {
		assertThat(threadOfASubtask()).startsWith("VirtualThread").contains("sluice-group-");
	}

	@Test
	void maxThreadsMustBePositive() {
		this.runner.withPropertyValues("sluice.task-groups.threads=platform", "sluice.task-groups.max-threads=0")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("sluice.task-groups.max-threads"));
	}

	@Test
	void activeGroupsAreAGauge() {
		MeterRegistry registry = new SimpleMeterRegistry();
		this.runner.withBean(MeterRegistry.class, () -> registry).run((context) -> {
			TaskGroups groups = context.getBean(TaskGroups.class);
			try (TaskGroup group = groups.open()) {
				assertThat(registry.get("sluice.task_groups.active").gauge().value()).isEqualTo(1);
			}
			assertThat(registry.get("sluice.task_groups.active").gauge().value()).isZero();
		});
	}

	@Test
	void closingTheContextInterruptsSubtasksOfGroupsLeftOpenAndLeavesNoGroupThreadAlive() {
		for (String threads : new String[] { "platform",
				SluiceThreads.virtualThreadsAvailable() ? "virtual" : "platform" }) {
			CountDownLatch sleeping = new CountDownLatch(2);
			CountDownLatch interrupted = new CountDownLatch(2);
			this.runner.withPropertyValues("sluice.task-groups.threads=" + threads).run((context) -> {
				TaskGroup leftOpen = context.getBean(TaskGroups.class).open();
				for (int i = 0; i < 2; i++) {
					leftOpen.fork(() -> {
						sleeping.countDown();
						try {
							Thread.sleep(30_000);
							return "not interrupted";
						}
						catch (InterruptedException ex) {
							interrupted.countDown();
							throw ex;
						}
					});
				}
				assertThat(sleeping.await(5, TimeUnit.SECONDS)).isTrue();
				assertThat(liveGroupThreads()).as(threads).isEqualTo(2);
			});
			assertThat(interrupted.getCount()).as(threads).isZero();
			assertThat(liveGroupThreads()).as(threads).isZero();
		}
	}

	private static long liveGroupThreads() {
		return SluiceThreads.live()
			.stream()
			.filter((thread) -> thread.isAlive() && thread.getName().startsWith("sluice-group-"))
			.count();
	}

	private String threadOfASubtask() {
		AtomicReference<String> thread = new AtomicReference<>();
		this.runner.run((context) -> {
			try (TaskGroup group = context.getBean(TaskGroups.class).open()) {
				Subtask<String> name = group.fork(() -> Thread.currentThread().toString());
				group.join();
				thread.set(name.get());
			}
		});
		return thread.get();
	}

}
