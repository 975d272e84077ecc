package dev.sluice.autoconfigure;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import dev.sluice.actuate.SluiceEndpoint;
import dev.sluice.actuate.SluiceEndpointSection;
import dev.sluice.actuate.SluiceHealthIndicator;
import dev.sluice.concurrency.ConcurrencyLimiter;
import dev.sluice.core.RunningTasks;
import dev.sluice.deadline.DeadlineRoutes;
import dev.sluice.group.TaskGroups;
import dev.sluice.pool.WorkerPool;
import dev.sluice.pool.WorkerPools;
import dev.sluice.ratelimit.RateLimitRule;
import dev.sluice.ratelimit.RateLimiters;
import dev.sluice.shutdown.GracefulShutdown;
import dev.sluice.shutdown.InFlightRequests;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code sluice} Actuator endpoint (an overview of every capability and the
 * running-task view) and the {@code sluice} health contributor.
 */
@AutoConfiguration(after = SluiceAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@EnableConfigurationProperties(SluiceDeadlineProperties.class)
public final class SluiceActuatorAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnAvailableEndpoint(SluiceEndpoint.class)
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean
		SluiceEndpoint sluiceEndpoint(RunningTasks sluiceRunningTasks, ObjectProvider<WorkerPools> pools,
				ObjectProvider<RateLimiters> rateLimiters, ObjectProvider<DeadlineRoutes> deadlineRoutes,
				ObjectProvider<ConcurrencyLimiter> concurrencyLimit, ObjectProvider<InFlightRequests> inFlight,
				ObjectProvider<TaskGroups> taskGroups, ObjectProvider<GracefulShutdown> shutdown,
				ObjectProvider<SluiceEndpointSection> extraSections, SluiceDeadlineProperties deadlineProperties) {
			List<SluiceEndpointSection> sections = new ArrayList<>();
			sections.add(section("pools", pools, EndpointConfiguration::describePools));
			sections.add(section("rateLimit", rateLimiters, EndpointConfiguration::describeRateLimits));
			sections
				.add(section("deadline", deadlineRoutes, (routes) -> describeDeadlines(routes, deadlineProperties)));
			sections.add(new Section("concurrency", () -> {
				Map<String, Object> concurrency = new LinkedHashMap<>();
				InFlightRequests requests = inFlight.getIfAvailable();
				if (requests != null) {
					concurrency.put("inFlightRequests", requests.getInFlight());
				}
				ConcurrencyLimiter limit = concurrencyLimit.getIfAvailable();
				if (limit != null) {
					concurrency.putAll(limit.describe());
				}
				else {
					concurrency.put("mode", "off");
				}
				return concurrency;
			}));
			sections.add(section("taskGroups", taskGroups, (groups) -> Map.of("active", groups.getActiveCount())));
			sections.add(section("shutdown", shutdown, EndpointConfiguration::describeShutdown));
			extraSections.orderedStream().forEach(sections::add);
			return new SluiceEndpoint(sections, sluiceRunningTasks);
		}

		private static <T> SluiceEndpointSection section(String name, ObjectProvider<T> source,
				Function<T, Object> describe) {
			return new Section(name, () -> {
				T value = source.getIfAvailable();
				return (value != null) ? describe.apply(value) : Map.of("enabled", false);
			});
		}

		private static Object describePools(WorkerPools pools) {
			Map<String, Object> described = new LinkedHashMap<>();
			for (WorkerPool pool : pools.getPools()) {
				Map<String, Object> detail = new LinkedHashMap<>();
				detail.put("threads", pool.getSpec().threads().name().toLowerCase());
				detail.put("size", pool.getSpec().size());
				detail.put("poolSize", pool.getPoolSize());
				detail.put("active", pool.getActiveCount());
				detail.put("queued", pool.getQueuedCount());
				detail.put("capacity", pool.getSpec().queueCapacity());
				detail.put("completed", pool.getCompletedCount());
				detail.put("failed", pool.getFailedCount());
				detail.put("timedOut", pool.getTimedOutCount());
				detail.put("rejected", pool.getRejectedCount());
				detail.put("shutdown", pool.isShutdown());
				described.put(pool.getName(), detail);
			}
			return described;
		}

		private static Object describeRateLimits(RateLimiters limiters) {
			Map<String, Object> rules = new LinkedHashMap<>();
			for (RateLimitRule rule : limiters.rules()) {
				Map<String, Object> detail = new LinkedHashMap<>();
				limiters.keyCount(rule).ifPresent((keys) -> detail.put("keys", keys));
				detail.put("allowed", limiters.allowedCount(rule.name()));
				detail.put("rejected", limiters.rejectedCount(rule.name()));
				detail.put("policy", rule.policyHeader());
				rules.put(rule.name(), detail);
			}
			return Map.of("storeAvailable", limiters.isStoreAvailable(), "rules", rules);
		}

		private static Object describeDeadlines(DeadlineRoutes routes, SluiceDeadlineProperties properties) {
			List<Map<String, Object>> described = new ArrayList<>();
			for (DeadlineRoutes.Route route : routes.all()) {
				Map<String, Object> detail = new LinkedHashMap<>();
				detail.put("route", route.tag());
				detail.put("timeout", route.timeout().toString());
				detail.put("exceeded", (long) route.exceededCount());
				described.add(detail);
			}
			Map<String, Object> deadline = new LinkedHashMap<>();
			deadline.put("status", properties.getStatus());
			deadline.put("interrupt", properties.isInterrupt());
			deadline.put("header", properties.getHeader());
			deadline.put("routes", described);
			return deadline;
		}

		private static Object describeShutdown(GracefulShutdown shutdown) {
			Map<String, Object> described = new LinkedHashMap<>();
			described.put("state", shutdown.getState().name());
			return described;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(HealthIndicator.class)
	static class HealthConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "sluiceHealthIndicator")
		SluiceHealthIndicator sluiceHealthIndicator(ObjectProvider<WorkerPools> pools,
				ObjectProvider<RateLimiters> rateLimiters) {
			return new SluiceHealthIndicator(pools::getIfAvailable, rateLimiters::getIfAvailable);
		}

	}

	private record Section(String name,
			java.util.function.Supplier<Object> description) implements SluiceEndpointSection {

		@Override
		public Object describe() {
			return this.description.get();
		}

	}

}
