package dev.sluice.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import dev.sluice.web.RequestPass;
import dev.sluice.web.RequestPathPatterns;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

import org.springframework.web.util.pattern.PathPattern;

/**
 * One rate-limit rule, built once at start-up: which requests it applies to (precompiled
 * path patterns and methods), how it keys them, and its token buckets.
 */
public final class RateLimitRule {

	/** Keys whose value comes from a header longer than this are treated as missing. */
	public static final int MAX_KEY_LENGTH = 256;

	private final String name;

	private final RequestPathPatterns paths;

	private final Set<String> methods;

	private final String keyPrefix;

	private final RateLimitKeyResolver keyResolver;

	private final OnMissingKey onMissingKey;

	private final List<Limit> limits;

	private final Duration timeToFull;

	private final String policyHeader;

	private final String[] policyNames;

	private final String[] policyItems;

	/**
	 * Creates a rule.
	 * @param name the rule's name, as sent in headers, bodies and meter tags
	 * @param paths the paths it applies to
	 * @param methods the methods it applies to, upper case; empty for all
	 * @param keyPrefix what the key kind adds before each key, so keys of different kinds
	 * never collide
	 * @param keyResolver how it keys requests
	 * @param onMissingKey what it does with requests without a key
	 * @param limits its buckets, at least one
	 */
	public RateLimitRule(String name, List<PathPattern> paths, Set<String> methods, String keyPrefix,
			RateLimitKeyResolver keyResolver, OnMissingKey onMissingKey, List<Limit> limits) {
		this.name = name;
		this.paths = RequestPathPatterns.of(paths);
		this.methods = Set.copyOf(methods);
		this.keyPrefix = keyPrefix;
		this.keyResolver = keyResolver;
		this.onMissingKey = onMissingKey;
		this.limits = List.copyOf(limits);
		this.timeToFull = limits.stream().map(Limit::timeToFull).max(Duration::compareTo).orElseThrow();
		this.policyNames = new String[this.limits.size()];
		this.policyItems = new String[this.limits.size()];
		StringBuilder policy = new StringBuilder();
		for (int i = 0; i < this.limits.size(); i++) {
			Limit limit = this.limits.get(i);
			this.policyNames[i] = (i > 0) ? name + "-" + (i + 1) : name;
			this.policyItems[i] = structuredFieldString(this.policyNames[i]);
			if (i > 0) {
				policy.append(", ");
			}
			// q is the burst and w the time the bucket takes to fill from empty, so q/w
			// is the sustained rate even
			// where capacity and refill differ (5 per minute: q=5;w=60; a burst of 10 at
			// 1 a second: q=10;w=10).
			// w is whole seconds: rounded up, so a sub-second window reads as 1 rather
			// than 0.
			long window = Math.max(1, (limit.timeToFull().toMillis() + 999) / 1000);
			policy.append(this.policyItems[i]).append(";q=").append(limit.capacity()).append(";w=").append(window);
		}
		this.policyHeader = policy.toString();
	}

	/**
	 * Whether the rule applies to a request on its way through Sluice's stages, whose
	 * plain path is worked out once for every rule and stage.
	 * @param pass the request's pass
	 * @return {@code true} if both its method and its path match
	 */
	public boolean matches(RequestPass pass) {
		return matchesMethod(pass.request().getMethod()) && this.paths.matches(pass);
	}

	private boolean matchesMethod(String method) {
		return this.methods.isEmpty() || this.methods.contains(method);
	}

	/**
	 * The key of a request under this rule.
	 * @param request the request
	 * @return the key; {@code null} when missing (or longer than {@value #MAX_KEY_LENGTH}
	 * characters)
	 */
	public @Nullable String key(HttpServletRequest request) {
		String key = this.keyResolver.resolve(request);
		return (key == null || key.isEmpty() || key.length() > MAX_KEY_LENGTH) ? null : this.keyPrefix.concat(key);
	}

	public String name() {
		return this.name;
	}

	public OnMissingKey onMissingKey() {
		return this.onMissingKey;
	}

	public List<Limit> limits() {
		return this.limits;
	}

	/**
	 * After this long without requests a key's buckets are full again and can be
	 * forgotten.
	 * @return the longest time to refill from empty of the rule's limits
	 */
	public Duration timeToFull() {
		return this.timeToFull;
	}

	/**
	 * The rule's items of the {@code RateLimit-Policy} header, such as
	 * {@code "login";q=5;w=60}: one quota policy per limit, named {@code login},
	 * {@code login-2}, {@code login-3}, ..., with the limit's capacity as {@code q} and
	 * the seconds its bucket takes to fill from empty as {@code w}.
	 * @return the header items
	 */
	public String policyHeader() {
		return this.policyHeader;
	}

	/**
	 * The name of one limit's quota policy: the rule's name for the first,
	 * {@code <name>-2}, {@code <name>-3}, ... for the others.
	 * @param limit the limit's index in {@link #limits()}
	 * @return the name, as listed in a problem body's {@code violated-policies}
	 */
	public String policyName(int limit) {
		return this.policyNames[limit];
	}

	/**
	 * One limit's policy name as the Structured Fields String that starts its header
	 * items, quotes included.
	 * @param limit the limit's index in {@link #limits()}
	 * @return the quoted name
	 */
	public String policyItem(int limit) {
		return this.policyItems[limit];
	}

	/**
	 * A Structured Fields String (RFC 9651 §3.3.3): quoted, with {@code "} and {@code \}
	 * escaped.
	 */
	private static String structuredFieldString(String value) {
		StringBuilder quoted = new StringBuilder(value.length() + 2).append('"');
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			if (c == '"' || c == '\\') {
				quoted.append('\\');
			}
			quoted.append(c);
		}
		return quoted.append('"').toString();
	}

	@Override
	public String toString() {
		return "RateLimitRule[" + this.name + "]";
	}

}
