package dev.sluice.ratelimit;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * A custom rate-limit key, referenced from a rule as {@code key: bean:<beanName>}.
 */
@FunctionalInterface
public interface RateLimitKeyResolver {

	/**
	 * The key of a request; requests with the same key share a bucket. Keep the set of
	 * keys bounded by what a client cannot choose freely.
	 * @param request the request
	 * @return the key; {@code null} when the request has none (the rule's
	 * {@code on-missing-key} applies)
	 */
	@Nullable String resolve(HttpServletRequest request);

}
