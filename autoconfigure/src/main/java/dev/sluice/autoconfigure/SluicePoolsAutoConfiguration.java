package dev.sluice.autoconfigure;

import java.util.Map;

import dev.sluice.core.RunningTasks;
import dev.sluice.pool.PoolDrainListener;
import dev.sluice.pool.ThreadKind;
import dev.sluice.pool.WhenFull;
import dev.sluice.pool.WorkerPool;
import dev.sluice.pool.WorkerPoolCustomizer;
import dev.sluice.pool.WorkerPoolSpec;
import dev.sluice.pool.WorkerPools;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Worker pools from {@code sluice.pools}: one {@link WorkerPool} bean per entry, named
 * after its key, all owned and drained at shutdown by the {@link WorkerPools} bean.
 */
// After Boot's task execution: its applicationTaskExecutor backs off when any Executor
// bean is already defined,
// and a pool must not take its place (nor become the target of every unqualified @Async).
@AutoConfiguration(after = SluiceAutoConfiguration.class,
		afterName = { "org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration" })
@EnableConfigurationProperties(SluicePoolsProperties.class)
@Import(SluicePoolsAutoConfiguration.PoolBeansRegistrar.class)
public final class SluicePoolsAutoConfiguration {

	/** Bean name of the owner of every pool. */
	public static final String WORKER_POOLS_BEAN_NAME = "sluiceWorkerPools";

	@Bean(name = WORKER_POOLS_BEAN_NAME)
	@ConditionalOnMissingBean
	WorkerPools sluiceWorkerPools(RunningTasks sluiceRunningTasks, ObjectProvider<MeterRegistry> meterRegistry,
			ObjectProvider<PoolDrainListener> listeners, ObjectProvider<ObservationRegistry> observationRegistry) {
		return new WorkerPools(sluiceRunningTasks, meterRegistry.getIfUnique(), listeners.orderedStream().toList(),
				observationRegistry.getIfUnique(() -> ObservationRegistry.NOOP));
	}

	/**
	 * Converts one bound pool into validated settings.
	 * @param name the pool's key
	 * @param pool the bound properties
	 * @return the settings
	 * @throws InvalidSluiceConfigurationException naming the first bad property
	 */
	static WorkerPoolSpec spec(String name, SluicePoolsProperties.Pool pool) {
		String prefix = "sluice.pools." + name + ".";
		if (pool.getThreads() == ThreadKind.VIRTUAL) {
			Validation.virtualThreadsAvailable(prefix + "threads");
		}
		Validation.positive(prefix + "size", pool.getSize());
		if (pool.getQueueCapacity() < 0) {
			throw new InvalidSluiceConfigurationException(prefix + "queue-capacity", pool.getQueueCapacity(),
					"must not be negative", "Set " + prefix + "queue-capacity to 0 (direct hand-off) or more.");
		}
		Validation.notNegative(prefix + "wait-timeout", pool.getWaitTimeout());
		if (pool.getWhenFull() == WhenFull.WAIT && pool.getWaitTimeout().isZero()) {
			throw new InvalidSluiceConfigurationException(prefix + "wait-timeout", pool.getWaitTimeout(),
					"must be greater than 0 when when-full is wait",
					"Set " + prefix + "wait-timeout to how long a submit may block, such as 50ms.");
		}
		Validation.notNegative(prefix + "task-timeout", pool.getTaskTimeout());
		Validation.notNegative(prefix + "keep-alive", pool.getKeepAlive());
		Validation.notNegative(prefix + "drain-timeout", pool.getDrainTimeout());
		SluicePoolsProperties.Retry retry = pool.getRetry();
		Validation.positive(prefix + "retry.max-attempts", retry.getMaxAttempts());
		Validation.notNegative(prefix + "retry.backoff", retry.getBackoff());
		Validation.notNegative(prefix + "retry.max-backoff", retry.getMaxBackoff());
		if (!(retry.getMultiplier() >= 1.0)) {
			throw new InvalidSluiceConfigurationException(prefix + "retry.multiplier", retry.getMultiplier(),
					"must be 1.0 or more", "Set " + prefix + "retry.multiplier to 1.0 (constant backoff) or more.");
		}
		return new WorkerPoolSpec(name, pool.getThreads(), pool.getSize(), pool.getQueueCapacity(), pool.getWhenFull(),
				pool.getWaitTimeout(), pool.getTaskTimeout(), pool.getKeepAlive(),
				new WorkerPoolSpec.RetryPolicy(retry.getMaxAttempts(), retry.getBackoff(), retry.getMultiplier(),
						retry.getMaxBackoff()),
				pool.getDrainTimeout(), pool.isInheritDeadline());
	}

	/**
	 * Registers one {@link WorkerPool} bean per {@code sluice.pools} entry, so each can
	 * be injected by name and named in {@code @Async}; every {@link WorkerPoolCustomizer}
	 * bean may change its settings first.
	 */
	static class PoolBeansRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware, BeanFactoryAware {

		private Environment environment;

		private BeanFactory beanFactory;

		@Override
		public void setEnvironment(Environment environment) {
			this.environment = environment;
		}

		@Override
		public void setBeanFactory(BeanFactory beanFactory) throws BeansException {
			this.beanFactory = beanFactory;
		}

		@Override
		public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
			Map<String, SluicePoolsProperties.Pool> pools = Binder.get(this.environment)
				.bind("sluice.pools", Bindable.mapOf(String.class, SluicePoolsProperties.Pool.class))
				.orElse(Map.of());
			pools.forEach((name, pool) -> {
				if (registry.containsBeanDefinition(name)) {
					return;
				}
				RootBeanDefinition definition = new RootBeanDefinition(WorkerPool.class,
						() -> this.beanFactory.getBean(WORKER_POOLS_BEAN_NAME, WorkerPools.class)
							.create(customized(spec(name, pool))));
				definition.setDependsOn(WORKER_POOLS_BEAN_NAME);
				registry.registerBeanDefinition(name, definition);
			});
		}

		private WorkerPoolSpec customized(WorkerPoolSpec spec) {
			WorkerPoolSpec customized = spec;
			for (WorkerPoolCustomizer customizer : this.beanFactory.getBeanProvider(WorkerPoolCustomizer.class)
				.orderedStream()
				.toList()) {
				customized = customizer.customize(customized);
			}
			return customized;
		}

	}

}
