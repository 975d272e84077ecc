package dev.sluice.autoconfigure;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.sluice.pool.ThreadKind;
import dev.sluice.pool.WhenFull;
import dev.sluice.pool.WorkerPool;
import dev.sluice.pool.WorkerPoolCustomizer;
import dev.sluice.pool.WorkerPools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;

import static org.assertj.core.api.Assertions.assertThat;

class SluicePoolsAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SluiceAutoConfiguration.class, SluicePoolsAutoConfiguration.class));

	@Test
	void aWorkerPoolCustomizerChangesOnePoolAndLeavesTheOthers() {
		this.runner.withPropertyValues("sluice.pools.emails.size=2", "sluice.pools.reports.size=2")
			.withBean(WorkerPoolCustomizer.class,
					() -> (spec) -> spec.name().equals("reports") ? spec.withSize(5).withQueueCapacity(9) : spec)
			.run((context) -> {
				WorkerPool reports = context.getBean("reports", WorkerPool.class);
				assertThat(reports.getSpec().size()).isEqualTo(5);
				assertThat(reports.getSpec().queueCapacity()).isEqualTo(9);
				assertThat(context.getBean("emails", WorkerPool.class).getSpec().size()).isEqualTo(2);
			});
	}

	@Test
	void eachDeclaredPoolIsABeanNamedAfterItsKeyWithItsSettings() {
		this.runner
			.withPropertyValues("sluice.pools.emails.size=3", "sluice.pools.emails.queue-capacity=7",
					"sluice.pools.emails.when-full=caller-runs", "sluice.pools.reports.size=1")
			.run((context) -> {
				assertThat(context).hasSingleBean(WorkerPools.class);
				assertThat(context.getBeansOfType(WorkerPool.class)).containsOnlyKeys("emails", "reports");
				WorkerPool emails = context.getBean("emails", WorkerPool.class);
				assertThat(emails.getSpec().size()).isEqualTo(3);
				assertThat(emails.getSpec().queueCapacity()).isEqualTo(7);
				assertThat(emails.getSpec().whenFull()).isEqualTo(WhenFull.CALLER_RUNS);
				assertThat(emails.getSpec().threads()).isEqualTo(ThreadKind.PLATFORM);
			});
	}

	@Test
	void springBootsApplicationTaskExecutorAndPlainAsyncAreLeftAloneWhenPoolsAreDeclared() {
		this.runner.withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class))
			.withPropertyValues("sluice.pools.emails.size=2")
			.withUserConfiguration(AsyncConfiguration.class)
			.run((context) -> {
				assertThat(context).hasBean(TaskExecutionAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME);
				assertThat(context.getBean(TaskExecutionAutoConfiguration.APPLICATION_TASK_EXECUTOR_BEAN_NAME))
					.isNotInstanceOf(WorkerPool.class);
				Mailer mailer = context.getBean(Mailer.class);
				assertThat(mailer.send().get(5, TimeUnit.SECONDS)).startsWith("sluice-emails-");
				assertThat(mailer.sendUnqualified().get(5, TimeUnit.SECONDS)).doesNotStartWith("sluice-");
			});
	}

	@Test
	void noPoolsAreCreatedUnlessDeclared() {
		this.runner.run((context) -> assertThat(context).doesNotHaveBean(WorkerPool.class));
	}

	@Test
	void asyncAndQualifierReachThePoolByName() {
		this.runner.withPropertyValues("sluice.pools.emails.size=2")
			.withUserConfiguration(AsyncConfiguration.class)
			.run((context) -> {
				Mailer mailer = context.getBean(Mailer.class);
				assertThat(mailer.send().get(5, TimeUnit.SECONDS)).startsWith("sluice-emails-");
				assertThat(context.getBean(QualifiedUser.class).pool.getName()).isEqualTo("emails");
			});
	}

	@Test
	@EnabledForJreRange(max = JRE.JAVA_20)
	void virtualThreadsOnJava17FailAtStartUpSayingJava21IsNeeded() {
		assertFailure("sluice.pools.emails.threads=virtual", "sluice.pools.emails.threads", "Java 21");
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void virtualThreadsOnJava21AreAccepted() {
		this.runner.withPropertyValues("sluice.pools.emails.threads=virtual").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean("emails", WorkerPool.class).getSpec().threads()).isEqualTo(ThreadKind.VIRTUAL);
		});
	}

	@Test
	void zeroOrNegativeSizeFailsNamingTheProperty() {
		assertFailure("sluice.pools.emails.size=0", "sluice.pools.emails.size", "greater than 0");
		assertFailure("sluice.pools.emails.size=-2", "sluice.pools.emails.size", "greater than 0");
	}

	@Test
	void negativeQueueCapacityFailsNamingTheProperty() {
		assertFailure("sluice.pools.emails.queue-capacity=-1", "sluice.pools.emails.queue-capacity", "negative");
	}

	@Test
	void negativeDurationsFailNamingTheProperty() {
		assertFailure("sluice.pools.emails.task-timeout=-1s", "sluice.pools.emails.task-timeout", "negative");
		assertFailure("sluice.pools.emails.keep-alive=-1s", "sluice.pools.emails.keep-alive", "negative");
		assertFailure("sluice.pools.emails.drain-timeout=-1s", "sluice.pools.emails.drain-timeout", "negative");
		assertFailure("sluice.pools.emails.retry.backoff=-1s", "sluice.pools.emails.retry.backoff", "negative");
	}

	@Test
	void waitWithoutAWaitTimeoutFailsNamingTheProperty() {
		this.runner.withPropertyValues("sluice.pools.emails.when-full=wait", "sluice.pools.emails.wait-timeout=0")
			.run((context) -> assertThat(analysis(context.getStartupFailure()).getDescription())
				.contains("sluice.pools.emails.wait-timeout"));
	}

	@Test
	void badRetrySettingsFailNamingTheProperty() {
		assertFailure("sluice.pools.emails.retry.max-attempts=0", "sluice.pools.emails.retry.max-attempts",
				"greater than 0");
		assertFailure("sluice.pools.emails.retry.multiplier=0.5", "sluice.pools.emails.retry.multiplier", "1.0");
	}

	@Test
	void closingTheContextLeavesNoPoolThreadAlive() {
		this.runner.withPropertyValues("sluice.pools.emails.size=2").run((context) -> {
			WorkerPool emails = context.getBean("emails", WorkerPool.class);
			CompletableFuture<?> done = emails.submit("one", () -> {
			});
			done.get(5, TimeUnit.SECONDS);
			assertThat(emails.getPoolSize()).isPositive();
		});
		assertThat(dev.sluice.core.SluiceThreads.live()).isEmpty();
	}

	private void assertFailure(String property, String name, String reason) {
		this.runner.withPropertyValues(property).run((context) -> {
			assertThat(context).hasFailed();
			FailureAnalysis analysis = analysis(context.getStartupFailure());
			assertThat(analysis.getDescription()).contains(name).contains(reason);
			assertThat(analysis.getAction()).contains(name.substring(0, name.lastIndexOf('.')));
		});
	}

	private static FailureAnalysis analysis(Throwable failure) {
		FailureAnalysis analysis = new InvalidSluiceConfigurationFailureAnalyzer().analyze(failure);
		assertThat(analysis).as("failure analysis of %s", failure).isNotNull();
		return analysis;
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class AsyncConfiguration {

		@Bean
		Mailer mailer() {
			return new Mailer();
		}

		@Bean
		QualifiedUser qualifiedUser(@Qualifier("emails") WorkerPool pool) {
			return new QualifiedUser(pool);
		}

	}

	// @Async methods of a class-based proxy stay public, as Spring documents them.
	@SuppressWarnings("checkstyle:springmethodvisibility")
	static class Mailer {

		@Async("emails")
		public CompletableFuture<String> send() {
			return CompletableFuture.completedFuture(Thread.currentThread().getName());
		}

		@Async
		public CompletableFuture<String> sendUnqualified() {
			return CompletableFuture.completedFuture(Thread.currentThread().getName());
		}

	}

	record QualifiedUser(WorkerPool pool) {
	}

}
