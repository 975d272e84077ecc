package dev.sluice.ratelimit;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.core.CurrentObservation;
import dev.sluice.web.ProblemResponses;
import dev.sluice.web.RequestPass;
import dev.sluice.web.RequestStage;
import io.micrometer.observation.Observation;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

/**
 * Admission by token buckets: every rule whose paths and methods match takes a token; a
 * request that one rule rejects takes none from any (tokens already taken are given back)
 * and is answered {@code 429} with an honest {@code Retry-After}, the
 * {@code RateLimit-Policy} / {@code RateLimit} headers and the IETF httpapi draft's
 * {@code quota-exceeded} problem body.
 * <p>
 * Headers follow draft-ietf-httpapi-ratelimit-headers 10/11: one quota policy per limit
 * of a rule, and per policy a {@code RateLimit} item with {@code r}, the tokens left in
 * that limit's bucket, and {@code t}, the seconds until its next token (rounded up;
 * absent while the bucket is full).
 * <p>
 * A plain servlet filter, registered for the {@code REQUEST} dispatch only: a request is
 * checked once, and the async, forward and error dispatches of the same request are not
 * checked again. At its default order it runs as the first stage of the
 * {@link dev.sluice.web.SluiceRequestFilter}. It sits on every request's path, so the
 * allowed case allocates little and looks nothing up by name.
 */
public class RateLimitFilter implements Filter, RequestStage {

	private final RateLimiters limiters;

	private final RateLimitRule[] rules;

	private final ClientIpResolver clientIp;

	private final boolean headers;

	/**
	 * Creates the filter.
	 * @param limiters the rules and their store
	 * @param clientIp how the client address is found
	 * @param headers whether to send {@code RateLimit-Policy} and {@code RateLimit} on
	 * limited routes
	 */
	public RateLimitFilter(RateLimiters limiters, ClientIpResolver clientIp, boolean headers) {
		this.limiters = limiters;
		this.rules = limiters.rules().toArray(RateLimitRule[]::new);
		this.clientIp = clientIp;
		this.headers = headers;
	}

	@Override
	public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
			throws ServletException, IOException {
		RequestPass.runAlone(this, servletRequest, servletResponse, chain);
	}

	@Override
	public void apply(HttpServletRequest request, HttpServletResponse response, RequestPass pass)
			throws IOException, ServletException {
		// the first rule that took a token, in locals: arrays only from a second one on
		RateLimitRule first = null;
		String firstKey = null;
		RateLimitDecision firstDecision = null;
		Taken more = null;
		for (RateLimitRule rule : this.rules) {
			if (!rule.matches(pass)) {
				continue;
			}
			String key = rule.key(request);
			if (key == null) {
				switch (rule.onMissingKey()) {
					case IP -> key = "ip:" + this.clientIp.resolve(request);
					case GLOBAL -> key = "global";
					case SKIP -> {
						continue;
					}
					case REJECT -> {
						refund(first, firstKey, more);
						ProblemResponses.write(request, response, 401, "missing-key", "Unauthorized",
								"Rule '" + rule.name() + "' needs a key this request does not carry",
								Map.of("rule", rule.name()));
						return;
					}
				}
			}
			RateLimitDecision decision = this.limiters.consume(rule, key);
			if (decision == null) {
				if (this.limiters.onStoreFailure() == OnStoreFailure.REJECT) {
					refund(first, firstKey, more);
					response.setHeader("Retry-After", "1");
					ProblemResponses.write(request, response, 503, "rate-limit-store-unavailable",
							"Service Unavailable", "The rate-limit store of rule '" + rule.name() + "' did not answer",
							Map.of("rule", rule.name()));
					return;
				}
				continue; // fail open
			}
			if (!decision.allowed()) {
				refund(first, firstKey, more);
				this.limiters.count(rule, false);
				reject(request, response, rule, decision);
				return;
			}
			if (first == null) {
				first = rule;
				firstKey = key;
				firstDecision = decision;
			}
			else {
				if (more == null) {
					more = new Taken(this.rules.length - 1);
				}
				more.add(rule, key, decision);
			}
		}
		if (first != null) {
			this.limiters.count(first, true);
			if (more != null) {
				for (int i = 0; i < more.count; i++) {
					this.limiters.count(more.rules[i], true);
				}
			}
			if (this.headers) {
				setHeaders(response, first, firstDecision, more);
			}
		}
		pass.doFilter(request, response);
	}

	private static void setHeaders(HttpServletResponse response, RateLimitRule first, RateLimitDecision decision,
			@Nullable Taken more) {
		if (more == null) { // one rule, the common case: its precomputed policy
			response.setHeader("RateLimit-Policy", first.policyHeader());
			response.setHeader("RateLimit", state(first, decision));
			return;
		}
		String policy = first.policyHeader();
		StringBuilder state = appendState(new StringBuilder(48), first, decision);
		for (int i = 0; i < more.count; i++) {
			policy = policy + ", " + more.rules[i].policyHeader();
			appendState(state.append(", "), more.rules[i], more.decisions[i]);
		}
		response.setHeader("RateLimit-Policy", policy);
		response.setHeader("RateLimit", state.toString());
	}

	private void reject(HttpServletRequest request, HttpServletResponse response, RateLimitRule rule,
			RateLimitDecision decision) throws IOException {
		long retryAfter = decision.retryAfterSeconds();
		CurrentObservation.event(Observation.Event.of("sluice.ratelimit.rejected",
				"rate limit " + rule.name() + " rejected the request"));
		response.setHeader("Retry-After", Long.toString(retryAfter));
		if (this.headers) {
			response.setHeader("RateLimit-Policy", rule.policyHeader());
			response.setHeader("RateLimit", state(rule, decision));
		}
		List<String> violated = new ArrayList<>(1);
		int limits = rule.limits().size();
		for (int i = 0; i < limits; i++) {
			// a store that reports aggregates only cannot tell which limit it was: every
			// policy of the rule
			if (decision.limitCount() != limits || decision.exceeded(i)) {
				violated.add(rule.policyName(i));
			}
		}
		int binding = decision.bindingLimit();
		String policy = (binding > 0) ? " (policy '" + rule.policyName(binding) + "')" : "";
		Map<String, Object> members = new LinkedHashMap<>();
		members.put("violated-policies", violated);
		members.put("rule", rule.name());
		members.put("retryAfter", retryAfter);
		ProblemResponses.writeType(request, response, 429, ProblemResponses.QUOTA_EXCEEDED_TYPE,
				"Request cannot be satisfied as assigned quota has been exceeded",
				"Rate limit '" + rule.name() + "'" + policy + " exceeded; retry in " + retryAfter + " s", members);
	}

	/**
	 * One rule's {@code RateLimit} value: for a single limit, as one concatenation
	 * without a builder (the allowed request's common case).
	 */
	private static String state(RateLimitRule rule, RateLimitDecision decision) {
		if (rule.limits().size() != 1 || decision.limitCount() != 1) {
			return appendState(new StringBuilder(48), rule, decision).toString();
		}
		long next = decision.secondsToNextToken(0);
		return (next > 0) ? rule.policyItem(0) + ";r=" + decision.remaining(0) + ";t=" + next
				: rule.policyItem(0) + ";r=" + decision.remaining(0);
	}

	/**
	 * Appends a rule's {@code RateLimit} items, one per limit:
	 * {@code "name";r=<tokens left>;t=<seconds until the
	 * next token>}, without {@code t} while that limit's bucket is full (no more quota is
	 * to come).
	 */
	private static StringBuilder appendState(StringBuilder header, RateLimitRule rule, RateLimitDecision decision) {
		int limits = rule.limits().size();
		boolean perLimit = decision.limitCount() == limits;
		for (int i = 0; i < limits; i++) {
			if (i > 0) {
				header.append(", ");
			}
			header.append(rule.policyItem(i)).append(";r=");
			if (perLimit) {
				header.append(decision.remaining(i));
				long next = decision.secondsToNextToken(i);
				if (next > 0) {
					header.append(";t=").append(next);
				}
			}
			else {
				// aggregates only: the most constrained limit's tokens, which every limit
				// has at least, and the
				// wait when rejected
				header.append(decision.remaining());
				if (!decision.allowed()) {
					header.append(";t=").append(decision.retryAfterSeconds());
				}
			}
		}
		return header;
	}

	private void refund(@Nullable RateLimitRule first, @Nullable String firstKey, @Nullable Taken more) {
		if (first != null) {
			this.limiters.refund(first, firstKey);
		}
		if (more != null) {
			for (int i = 0; i < more.count; i++) {
				this.limiters.refund(more.rules[i], more.keys[i]);
			}
		}
	}

	/**
	 * The rules this filter checks, in order.
	 * @return the rules
	 */
	public List<RateLimitRule> getRules() {
		return List.of(this.rules);
	}

	/**
	 * The rules after the first that took a token for one request, with their keys and
	 * decisions.
	 */
	private static final class Taken {

		final RateLimitRule[] rules;

		final String[] keys;

		final RateLimitDecision[] decisions;

		int count;

		Taken(int capacity) {
			this.rules = new RateLimitRule[capacity];
			this.keys = new String[capacity];
			this.decisions = new RateLimitDecision[capacity];
		}

		void add(RateLimitRule rule, String key, RateLimitDecision decision) {
			this.rules[this.count] = rule;
			this.keys[this.count] = key;
			this.decisions[this.count] = decision;
			this.count++;
		}

	}

}
