package dev.sluice.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import dev.sluice.concurrency.ConcurrencyLimitFilter;
import dev.sluice.deadline.DeadlineFilter;
import dev.sluice.ratelimit.RateLimitFilter;
import dev.sluice.shutdown.InFlightRequests;
import dev.sluice.web.FilterOrders;
import dev.sluice.web.RequestStage;
import dev.sluice.web.SluiceRequestFilter;
import jakarta.servlet.DispatcherType;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;

/**
 * Sluice's request path as one servlet filter: graceful shutdown's in-flight tracking,
 * the rate limit, the concurrency limit and the deadline run in that order as the stages
 * of one {@link SluiceRequestFilter} at {@link FilterOrders#RATE_LIMIT}, one hop in the
 * container's filter chain. Each capability's own registration is then disabled, so that
 * Spring Boot does not register its filter bean a second time; a rate limit moved with
 * {@code sluice.rate-limit.filter-order} keeps its own registration at its order.
 */
@AutoConfiguration(after = { SluiceShutdownAutoConfiguration.class, SluiceRateLimitAutoConfiguration.class,
		SluiceConcurrencyLimitAutoConfiguration.class, SluiceDeadlineAutoConfiguration.class })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(FilterRegistrationBean.class)
public final class SluiceRequestPathAutoConfiguration {

	@Bean
	FilterRegistrationBean<SluiceRequestFilter> sluiceRequestFilterRegistration(
			ObjectProvider<InFlightRequests> inFlightRequests, ObjectProvider<RateLimitFilter> rateLimit,
			ObjectProvider<SluiceRateLimitProperties> rateLimitProperties,
			ObjectProvider<ConcurrencyLimitFilter> concurrencyLimit, ObjectProvider<DeadlineFilter> deadline) {
		List<RequestStage> stages = new ArrayList<>(4);
		inFlightRequests.ifUnique(stages::add);
		rateLimit.ifUnique((filter) -> {
			if (isStage(filter, rateLimitProperties.getObject())) {
				stages.add(filter);
			}
		});
		concurrencyLimit.ifUnique(stages::add);
		deadline.ifUnique(stages::add);
		FilterRegistrationBean<SluiceRequestFilter> registration = new FilterRegistrationBean<>(
				new SluiceRequestFilter(stages));
		registration.setOrder(FilterOrders.RATE_LIMIT);
		registration.setName("sluiceRequestFilter");
		registration.setDispatcherTypes(DispatcherType.REQUEST); // once per request, not
																	// again on async or
																	// error
		registration.setEnabled(!stages.isEmpty());
		return registration;
	}

	/**
	 * Whether the rate-limit filter runs as the first stage of the request filter: when
	 * it has rules and stays at its default order.
	 */
	static boolean isStage(RateLimitFilter filter, SluiceRateLimitProperties properties) {
		return !filter.getRules().isEmpty() && properties.getFilterOrder() == FilterOrders.RATE_LIMIT;
	}

}
