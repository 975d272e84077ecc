package dev.sluice.autoconfigure;

import java.util.List;
import java.util.Map;

import dev.sluice.concurrency.ConcurrencyLimitFilter;
import dev.sluice.deadline.DeadlineFilter;
import dev.sluice.ratelimit.RateLimitFilter;
import dev.sluice.shutdown.InFlightRequests;
import dev.sluice.web.FilterOrders;
import dev.sluice.web.SluiceRequestFilter;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every filter registration takes its order from {@link FilterOrders}, and the orders
 * give the documented request path; in-flight tracking, the rate limit, the concurrency
 * limit and the deadline run in that order as the stages of one filter.
 */
class FilterOrderTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SluiceAutoConfiguration.class, SluiceShutdownAutoConfiguration.class,
				SluiceRateLimitAutoConfiguration.class, SluiceConcurrencyLimitAutoConfiguration.class,
				SluiceDeadlineAutoConfiguration.class, SluiceRequestPathAutoConfiguration.class))
		.withPropertyValues("sluice.concurrency-limit.max-in-flight=10", "sluice.rate-limit.rules[0].name=r",
				"sluice.rate-limit.rules[0].paths=/**", "sluice.rate-limit.rules[0].limits[0].capacity=5",
				"sluice.rate-limit.rules[0].limits[0].refill=5", "sluice.rate-limit.rules[0].limits[0].period=1s");

	@Test
	void theFiltersRunInTheOrderOfTheRequestPath() {
		this.runner.run((context) -> {
			Map<String, FilterRegistrationBean<?>> registrations = Map.of("rate-limit",
					context.getBean("sluiceRateLimitFilterRegistration", FilterRegistrationBean.class),
					"concurrency-limit",
					context.getBean("sluiceConcurrencyLimitFilterRegistration", FilterRegistrationBean.class),
					"deadline", context.getBean("sluiceDeadlineFilterRegistration", FilterRegistrationBean.class));
			assertThat(registrations.get("rate-limit").getOrder()).isEqualTo(FilterOrders.RATE_LIMIT);
			assertThat(registrations.get("concurrency-limit").getOrder()).isEqualTo(FilterOrders.CONCURRENCY_LIMIT);
			assertThat(registrations.get("deadline").getOrder()).isEqualTo(FilterOrders.DEADLINE);
		});
		assertThat(FilterOrders.RATE_LIMIT).isLessThan(FilterOrders.CONCURRENCY_LIMIT);
		assertThat(FilterOrders.CONCURRENCY_LIMIT).isLessThan(FilterOrders.DEADLINE);
		assertThat(FilterOrders.DEADLINE).isLessThan(-100); // Spring Security's filter
															// chain
	}

	@Test
	void inFlightTrackingTheRateLimitConcurrencyLimitAndDeadlineRunInThatOrderAsTheStagesOfOneFilter() {
		this.runner.run((context) -> {
			FilterRegistrationBean<?> request = context.getBean("sluiceRequestFilterRegistration",
					FilterRegistrationBean.class);
			assertThat(request.isEnabled()).isTrue();
			assertThat(request.getOrder()).isEqualTo(FilterOrders.RATE_LIMIT);
			assertThat(((SluiceRequestFilter) request.getFilter()).getStages()).containsExactly(
					context.getBean(InFlightRequests.class), context.getBean(RateLimitFilter.class),
					context.getBean(ConcurrencyLimitFilter.class), context.getBean(DeadlineFilter.class));
			// so that Spring Boot does not register the same filter beans again
			for (String own : List.of("sluiceInFlightRequestsRegistration", "sluiceRateLimitFilterRegistration",
					"sluiceConcurrencyLimitFilterRegistration", "sluiceDeadlineFilterRegistration")) {
				assertThat(context.getBean(own, FilterRegistrationBean.class).isEnabled()).as(own).isFalse();
			}
		});
	}

	@Test
	void aRateLimitMovedWithFilterOrderRunsOnItsOwnAtThatOrder() {
		this.runner.withPropertyValues("sluice.rate-limit.filter-order=-90").run((context) -> {
			FilterRegistrationBean<?> rateLimit = context.getBean("sluiceRateLimitFilterRegistration",
					FilterRegistrationBean.class);
			assertThat(rateLimit.isEnabled()).isTrue();
			assertThat(rateLimit.getOrder()).isEqualTo(-90);
			FilterRegistrationBean<?> request = context.getBean("sluiceRequestFilterRegistration",
					FilterRegistrationBean.class);
			assertThat(((SluiceRequestFilter) request.getFilter()).getStages()).containsExactly(
					context.getBean(InFlightRequests.class), context.getBean(ConcurrencyLimitFilter.class),
					context.getBean(DeadlineFilter.class));
		});
	}

	@Test
	void withOnlyGracefulShutdownOnTheRequestFilterTracksRequestsInFlight() {
		this.runner
			.withPropertyValues("sluice.rate-limit.enabled=false", "sluice.concurrency-limit.enabled=false",
					"sluice.deadline.enabled=false")
			.run((context) -> {
				FilterRegistrationBean<?> request = context.getBean("sluiceRequestFilterRegistration",
						FilterRegistrationBean.class);
				assertThat(request.isEnabled()).isTrue();
				assertThat(((SluiceRequestFilter) request.getFilter()).getStages())
					.containsExactly(context.getBean(InFlightRequests.class));
			});
	}

	@Test
	void withEveryCapabilityOffTheRequestFilterIsNotRegistered() {
		this.runner
			.withPropertyValues("sluice.rate-limit.enabled=false", "sluice.concurrency-limit.enabled=false",
					"sluice.deadline.enabled=false", "sluice.shutdown.enabled=false")
			.run((context) -> assertThat(
					context.getBean("sluiceRequestFilterRegistration", FilterRegistrationBean.class).isEnabled())
				.isFalse());
	}

	@Test
	void theRateLimitPropertyDefaultsToTheRateLimitOrder() {
		assertThat(new SluiceRateLimitProperties().getFilterOrder()).isEqualTo(FilterOrders.RATE_LIMIT);
	}

}
