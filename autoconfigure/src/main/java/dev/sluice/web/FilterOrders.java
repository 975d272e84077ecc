package dev.sluice.web;

import org.springframework.core.Ordered;

/**
 * The request path through Sluice's servlet filters, in one place. Every registration
 * takes its order from here; lower runs first:
 * <ol>
 * <li>{@link #SHUTDOWN_TRACKING}: counts requests in flight for the shutdown summary,
 * around everything;</li>
 * <li>{@link #RATE_LIMIT}: token-bucket rules, so a flood is refused before any other
 * work (moved with {@code sluice.rate-limit.filter-order}, after Spring Security for
 * rules keyed on the principal);</li>
 * <li>{@link #CONCURRENCY_LIMIT}: the cap on requests in flight, counting only admitted
 * requests;</li>
 * <li>{@link #DEADLINE}: the request's deadline, started as late as possible so it covers
 * the handler;</li>
 * <li>then Spring Security's filter chain ({@code -100}), Spring MVC and the
 * handler.</li>
 * </ol>
 * The rate limit, the concurrency limit and the deadline run in that order as the stages
 * of one {@link SluiceRequestFilter} at {@link #RATE_LIMIT} (one hop in the container's
 * chain); the rate limit runs on its own where {@code filter-order} moved it.
 */
public final class FilterOrders {

	/**
	 * The in-flight request counter of graceful shutdown: first, so it sees every
	 * request.
	 */
	public static final int SHUTDOWN_TRACKING = Ordered.HIGHEST_PRECEDENCE;

	/**
	 * The rate-limit filter, by default: before Spring Security's filter chain
	 * ({@code -100}).
	 */
	public static final int RATE_LIMIT = -110;

	/** The concurrency-limit filter: after the rate limit, before the deadline. */
	public static final int CONCURRENCY_LIMIT = -109;

	/**
	 * The deadline filter: after admission control, before Spring Security's filter
	 * chain.
	 */
	public static final int DEADLINE = -108;

	private FilterOrders() {
	}

}
