package dev.sluice.ratelimit;

import java.time.Duration;

import io.github.bucket4j.ConsumptionProbe;

/**
 * The answer of a rate limit to one request.
 *
 * @param allowed whether a token was taken
 * @param remaining tokens left in the most constrained bucket
 * @param retryAfter when rejected: time until a token is available; zero when allowed
 * @param reset time until the most constrained bucket is full again
 */
public record RateLimitDecision(boolean allowed, long remaining, Duration retryAfter, Duration reset) {

	/**
	 * The decision Bucket4j's answer to taking one token comes to, whichever store asked.
	 * @param probe Bucket4j's answer
	 * @return the decision
	 */
	static RateLimitDecision of(ConsumptionProbe probe) {
		return new RateLimitDecision(probe.isConsumed(), probe.getRemainingTokens(),
				probe.isConsumed() ? Duration.ZERO : Duration.ofNanos(probe.getNanosToWaitForRefill()),
				Duration.ofNanos(probe.getNanosToWaitForReset()));
	}

	/**
	 * The honest {@code Retry-After}: whole seconds until a token is available, rounded up, at least 1.
	 * @return the seconds to send
	 */
	public long retryAfterSeconds() {
		long nanos = this.retryAfter.toNanos();
		return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
	}

	/**
	 * Whole seconds until the bucket is full again, rounded up.
	 * @return the seconds
	 */
	public long resetSeconds() {
		long nanos = this.reset.toNanos();
		return (nanos + 999_999_999L) / 1_000_000_000L;
	}

}
