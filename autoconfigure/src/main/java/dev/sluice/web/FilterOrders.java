package dev.sluice.web;

/**
 * The request path through Sluice's servlet filters, in one place. Every registration
 * takes its order from here; lower runs first:
 * <ol>
 * <li>Spring Boot's own filters before {@code -110}: character encoding, the
 * {@code http.server.requests} observation, form content;</li>
 * <li>{@link #RATE_LIMIT}: one {@link SluiceRequestFilter}, whose stages run in this
 * order: graceful shutdown's in-flight tracking (counts requests for the shutdown
 * summary, around the rest); the token-bucket rules, so a flood is refused before any
 * other work; the cap on requests in flight, counting only admitted requests; the
 * request's deadline, started as late as possible so it covers the handler;</li>
 * <li>then Spring Security's filter chain ({@code -100}), Spring MVC and the
 * handler.</li>
 * </ol>
 * {@link #CONCURRENCY_LIMIT} and {@link #DEADLINE} order those capabilities' own filters
 * where they run outside the request filter. The rate limit runs on its own where
 * {@code sluice.rate-limit.filter-order} moved it (after Spring Security, for rules keyed
 * on the principal).
 */
public final class FilterOrders {

	/**
	 * The request filter, and the rate-limit filter by default: before Spring Security's
	 * filter chain ({@code -100}).
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
