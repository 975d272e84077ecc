package dev.sluice.ratelimit;

import java.time.Duration;

/**
 * The answer of a rate limit to one request: whether it took a token, the aggregate
 * figures ({@link #remaining()}, {@link #retryAfter()}, {@link #reset()}) and, where the
 * store reports them, each limit's own state (the {@code RateLimit} header sends one item
 * per limit).
 * <p>
 * A store fills two arrays indexed like {@link RateLimitRule#limits()}, the tokens left
 * in each limit's bucket and the nanoseconds until its next token ({@code 0} while that
 * bucket is full), and hands them to {@link #of(RateLimitRule, boolean, long[], long[])},
 * which works out the aggregates; the decision keeps the arrays without copying them. A
 * rule with one limit, the common case, needs no arrays:
 * {@link #of(RateLimitRule, boolean, long, long)}.
 */
public final class RateLimitDecision {

	private static final long[] NONE = new long[0];

	private static final long NANOS_PER_SECOND = 1_000_000_000L;

	private final boolean allowed;

	private final long remaining;

	private final long retryAfterNanos;

	private final long resetNanos;

	private final int limitCount;

	private final long firstRemaining;

	private final long firstNanosToNextToken;

	private final long[] limitRemaining;

	private final long[] limitNanosToNextToken;

	private final int bindingLimit;

	/**
	 * Creates a decision with aggregate figures only, for a store that cannot report each
	 * limit's state ({@link #limitCount()} is then 0).
	 * @param allowed whether a token was taken
	 * @param remaining tokens left in the most constrained bucket
	 * @param retryAfter when rejected: time until a token is available; zero when allowed
	 * @param reset time until every bucket is full again
	 */
	public RateLimitDecision(boolean allowed, long remaining, Duration retryAfter, Duration reset) {
		this(allowed, remaining, retryAfter.toNanos(), reset.toNanos(), 0, 0, 0, NONE, NONE, -1);
	}

	private RateLimitDecision(boolean allowed, long remaining, long retryAfterNanos, long resetNanos, int limitCount,
			long firstRemaining, long firstNanosToNextToken, long[] limitRemaining, long[] limitNanosToNextToken,
			int bindingLimit) {
		this.allowed = allowed;
		this.remaining = remaining;
		this.retryAfterNanos = retryAfterNanos;
		this.resetNanos = resetNanos;
		this.limitCount = limitCount;
		this.firstRemaining = firstRemaining;
		this.firstNanosToNextToken = firstNanosToNextToken;
		this.limitRemaining = limitRemaining;
		this.limitNanosToNextToken = limitNanosToNextToken;
		this.bindingLimit = bindingLimit;
	}

	/**
	 * The decision on a rule with a single limit, from that limit's figures.
	 * @param rule the rule, which has one limit
	 * @param allowed whether its token was taken
	 * @param remaining tokens left in its bucket after this decision
	 * @param nanosToNextToken nanoseconds until its bucket gains a token, {@code 0} while
	 * it is full
	 * @return the decision
	 */
	public static RateLimitDecision of(RateLimitRule rule, boolean allowed, long remaining, long nanosToNextToken) {
		long resetNanos = nanosToFull(rule.limits().get(0), remaining, nanosToNextToken);
		boolean exhausted = !allowed && remaining <= 0;
		return new RateLimitDecision(allowed, remaining, exhausted ? nanosToNextToken : 0, resetNanos, 1, remaining,
				nanosToNextToken, NONE, NONE, exhausted ? 0 : -1);
	}

	/**
	 * The decision a store's per-limit figures come to. When rejected, the binding limit
	 * is the one without a token whose next token is furthest away (the first such limit
	 * on a tie), and the wait is its wait.
	 * @param rule the rule the figures are for
	 * @param allowed whether a token was taken from every limit
	 * @param remaining per limit: tokens left in its bucket after this decision
	 * @param nanosToNextToken per limit: nanoseconds until its bucket gains a token,
	 * {@code 0} while it is full
	 * @return the decision, which keeps both arrays
	 */
	public static RateLimitDecision of(RateLimitRule rule, boolean allowed, long[] remaining, long[] nanosToNextToken) {
		long least = Long.MAX_VALUE;
		long resetNanos = 0;
		int binding = -1;
		for (int i = 0; i < remaining.length; i++) {
			least = Math.min(least, remaining[i]);
			resetNanos = Math.max(resetNanos, nanosToFull(rule.limits().get(i), remaining[i], nanosToNextToken[i]));
			if (!allowed && remaining[i] <= 0 && (binding < 0 || nanosToNextToken[i] > nanosToNextToken[binding])) {
				binding = i;
			}
		}
		long retryAfterNanos = (binding >= 0) ? nanosToNextToken[binding] : 0;
		return new RateLimitDecision(allowed, least, retryAfterNanos, resetNanos, remaining.length,
				(remaining.length > 0) ? remaining[0] : 0, (remaining.length > 0) ? nanosToNextToken[0] : 0, remaining,
				nanosToNextToken, binding);
	}

	/**
	 * Greedy refill: the next token, then the other missing ones one refill interval
	 * apart.
	 */
	private static long nanosToFull(Limit limit, long remaining, long nanosToNextToken) {
		if (nanosToNextToken <= 0) {
			return 0;
		}
		long full = nanosToNextToken + limit.nanosToRefill(Math.max(0, limit.capacity() - remaining - 1));
		return (full < 0) ? Long.MAX_VALUE : full;
	}

	/**
	 * Whether a token was taken.
	 * @return {@code true} if the request may go on
	 */
	public boolean allowed() {
		return this.allowed;
	}

	/**
	 * Tokens left in the most constrained bucket.
	 * @return the tokens
	 */
	public long remaining() {
		return this.remaining;
	}

	/**
	 * When rejected: the time until a token is available in every bucket (the binding
	 * limit's wait).
	 * @return the wait; zero when allowed
	 */
	public Duration retryAfter() {
		return Duration.ofNanos(this.retryAfterNanos);
	}

	/**
	 * The time until every bucket of the rule is full again.
	 * @return the time
	 */
	public Duration reset() {
		return Duration.ofNanos(this.resetNanos);
	}

	/**
	 * The honest {@code Retry-After}: whole seconds until a token is available, rounded
	 * up, at least 1.
	 * @return the seconds to send
	 */
	public long retryAfterSeconds() {
		return Math.max(1, secondsRoundedUp(this.retryAfterNanos));
	}

	/**
	 * Whole seconds until every bucket is full again, rounded up.
	 * @return the seconds
	 */
	public long resetSeconds() {
		return secondsRoundedUp(this.resetNanos);
	}

	/**
	 * How many limits this decision reports on one by one: the rule's limits, or 0 from a
	 * store that reports aggregates only.
	 * @return the count
	 */
	public int limitCount() {
		return this.limitCount;
	}

	/**
	 * Tokens left in one limit's bucket.
	 * @param limit the limit's index in {@link RateLimitRule#limits()}
	 * @return the tokens
	 */
	public long remaining(int limit) {
		return (limit == 0 && this.limitCount > 0) ? this.firstRemaining : this.limitRemaining[limit];
	}

	/**
	 * Nanoseconds until one limit's bucket gains a token.
	 * @param limit the limit's index in {@link RateLimitRule#limits()}
	 * @return the time, {@code 0} while that bucket is full
	 */
	public long nanosToNextToken(int limit) {
		return (limit == 0 && this.limitCount > 0) ? this.firstNanosToNextToken : this.limitNanosToNextToken[limit];
	}

	/**
	 * Whole seconds until one limit's bucket gains a token, rounded up: the {@code t} of
	 * its {@code RateLimit} item.
	 * @param limit the limit's index in {@link RateLimitRule#limits()}
	 * @return the seconds, {@code 0} while that bucket is full
	 */
	public long secondsToNextToken(int limit) {
		return secondsRoundedUp(nanosToNextToken(limit));
	}

	/**
	 * Whether one limit had no token for this request, which was rejected: a policy whose
	 * quota was exceeded.
	 * @param limit the limit's index in {@link RateLimitRule#limits()}
	 * @return {@code true} for a limit that rejected the request
	 */
	public boolean exceeded(int limit) {
		return !this.allowed && remaining(limit) <= 0;
	}

	/**
	 * The limit that sets the wait of a rejected request: of the limits without a token,
	 * the one whose next token is furthest away.
	 * @return its index in {@link RateLimitRule#limits()}, or -1 when allowed or reported
	 * as aggregates only
	 */
	public int bindingLimit() {
		return this.bindingLimit;
	}

	private static long secondsRoundedUp(long nanos) {
		return nanos / NANOS_PER_SECOND + ((nanos % NANOS_PER_SECOND > 0) ? 1 : 0);
	}

	@Override
	public String toString() {
		return "RateLimitDecision[allowed=" + this.allowed + ", remaining=" + this.remaining + ", retryAfter="
				+ retryAfter() + ", binding limit=" + this.bindingLimit + "]";
	}

}
