package dev.sluice.ratelimit;

import java.time.Duration;

/**
 * One token bucket of a rule: at most {@code capacity} tokens (the burst), {@code refill}
 * tokens added per {@code period}, continuously (greedy refill, like
 * {@code golang.org/x/time/rate}).
 *
 * @param capacity the burst, positive
 * @param refill tokens added per period, positive
 * @param period the refill period, positive
 */
public record Limit(long capacity, long refill, Duration period) {

	/**
	 * How long an empty bucket takes to become full again: after that long without
	 * requests, a key's bucket is full and can be forgotten without changing any answer.
	 * @return the time to refill from empty
	 */
	public Duration timeToFull() {
		double periods = (double) this.capacity / this.refill;
		return Duration.ofNanos((long) Math.ceil(periods * this.period.toNanos()));
	}

	/**
	 * How long greedy refill takes to add {@code tokens} tokens:
	 * {@code tokens * period / refill}, rounded down like Bucket4j's own arithmetic.
	 * @param tokens how many tokens, not negative
	 * @return the time in nanoseconds ({@link Long#MAX_VALUE} if it does not fit)
	 */
	public long nanosToRefill(long tokens) {
		long periodNanos = this.period.toNanos();
		long high = Math.multiplyHigh(tokens, periodNanos);
		long low = tokens * periodNanos;
		if (high != 0 || low < 0) {
			double nanos = (double) tokens / this.refill * periodNanos;
			return (nanos >= Long.MAX_VALUE) ? Long.MAX_VALUE : (long) nanos;
		}
		return low / this.refill;
	}

}
