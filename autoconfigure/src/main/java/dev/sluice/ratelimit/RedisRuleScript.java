package dev.sluice.ratelimit;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * For {@link RedisRateLimitStore}: a rule's key prefix and script arguments, encoded
 * once, so only the key is encoded per decision; and the script's answer read back as a
 * decision.
 */
final class RedisRuleScript {

	final String keyPrefix;

	final byte[][] consume;

	final byte[][] refund;

	final int limits;

	final RateLimitRule rule;

	RedisRuleScript(RateLimitRule rule, String prefix) {
		this.rule = rule;
		this.keyPrefix = prefix + rule.name() + ":";
		this.limits = rule.limits().size();
		this.consume = args(rule, 1);
		this.refund = args(rule, -1);
	}

	private static byte[][] args(RateLimitRule rule, int take) {
		List<Limit> limits = rule.limits();
		byte[][] args = new byte[1 + 3 * limits.size()][];
		args[0] = ascii(take);
		for (int i = 0; i < limits.size(); i++) {
			Limit limit = limits.get(i);
			args[1 + 3 * i] = ascii(limit.capacity());
			args[2 + 3 * i] = ascii(limit.refill());
			// microseconds, the resolution of Redis's TIME; at least 1
			args[3 + 3 * i] = ascii(Math.max(1, (limit.period().toNanos() + 999) / 1000));
		}
		return args;
	}

	byte[] redisKey(String key) {
		return this.keyPrefix.concat(key).getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * The script's answer as a decision: {@code allowed, wait, reset}, then per limit the
	 * tokens remaining and the nanos until its next token, from which
	 * {@link RateLimitDecision#of} works out the aggregates.
	 */
	RateLimitDecision decision(List<Object> answer) {
		boolean allowed = number(answer, 0) == 1;
		if (this.limits == 1) {
			return RateLimitDecision.of(this.rule, allowed, number(answer, 3), number(answer, 4));
		}
		long[] remaining = new long[this.limits];
		long[] nanosToNextToken = new long[this.limits];
		for (int i = 0; i < this.limits; i++) {
			remaining[i] = number(answer, 3 + 2 * i);
			nanosToNextToken[i] = number(answer, 4 + 2 * i);
		}
		return RateLimitDecision.of(this.rule, allowed, remaining, nanosToNextToken);
	}

	private static long number(List<Object> answer, int index) {
		return (Long) answer.get(index);
	}

	private static byte[] ascii(long value) {
		return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
	}

}
