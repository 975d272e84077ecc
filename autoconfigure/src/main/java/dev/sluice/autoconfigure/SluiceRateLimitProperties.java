package dev.sluice.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.sluice.ratelimit.OnMissingKey;
import dev.sluice.ratelimit.OnStoreFailure;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Token-bucket rate limits, under {@code sluice.rate-limit}.
 */
@ConfigurationProperties("sluice.rate-limit")
public class SluiceRateLimitProperties {

	/**
	 * Whether the rate-limit filter is installed (when rules are declared).
	 */
	private boolean enabled = true;

	/**
	 * Where buckets live: memory (this instance) or redis (shared by every instance).
	 */
	private Store store = Store.MEMORY;

	/**
	 * Most keys held per rule; least recently used keys beyond it are forgotten.
	 */
	private long maxKeys = 100_000;

	/**
	 * Whether limited routes send RateLimit-Policy and RateLimit headers.
	 */
	private boolean headers = true;

	/**
	 * Order of the filter. The default runs before Spring Security's filter chain (-100);
	 * rules keyed on principal need an order after it.
	 */
	private int filterOrder = -110; // FilterOrders.RATE_LIMIT, written out for the
									// configuration metadata

	private final ClientIp clientIp = new ClientIp();

	private final Redis redis = new Redis();

	/**
	 * The rules; every rule whose paths and methods match a request applies.
	 */
	private List<Rule> rules = new ArrayList<>();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Store getStore() {
		return this.store;
	}

	public void setStore(Store store) {
		this.store = store;
	}

	public long getMaxKeys() {
		return this.maxKeys;
	}

	public void setMaxKeys(long maxKeys) {
		this.maxKeys = maxKeys;
	}

	public boolean isHeaders() {
		return this.headers;
	}

	public void setHeaders(boolean headers) {
		this.headers = headers;
	}

	public int getFilterOrder() {
		return this.filterOrder;
	}

	public void setFilterOrder(int filterOrder) {
		this.filterOrder = filterOrder;
	}

	public ClientIp getClientIp() {
		return this.clientIp;
	}

	public Redis getRedis() {
		return this.redis;
	}

	public List<Rule> getRules() {
		return this.rules;
	}

	public void setRules(List<Rule> rules) {
		this.rules = rules;
	}

	/**
	 * Where buckets live.
	 */
	public enum Store {

		/** In this instance's memory, in a bounded cache. */
		MEMORY,

		/** In Redis, shared by every instance (spring.data.redis connection settings). */
		REDIS

	}

	/**
	 * The Redis store (store: redis), over Spring Boot's spring.data.redis connection
	 * settings.
	 */
	public static class Redis {

		/**
		 * Prefix of every key, which keeps applications sharing a Redis apart.
		 */
		private String keyPrefix = "sluice:rl:";

		/**
		 * Longest a request waits on Redis; a slower answer counts as a store failure.
		 */
		private Duration timeout = Duration.ofMillis(100);

		/**
		 * What a request gets when Redis fails or is slower than the timeout: allow, or
		 * reject (503).
		 */
		private OnStoreFailure onFailure = OnStoreFailure.ALLOW;

		public String getKeyPrefix() {
			return this.keyPrefix;
		}

		public void setKeyPrefix(String keyPrefix) {
			this.keyPrefix = keyPrefix;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

		public OnStoreFailure getOnFailure() {
			return this.onFailure;
		}

		public void setOnFailure(OnStoreFailure onFailure) {
			this.onFailure = onFailure;
		}

	}

	/**
	 * How the client address of per-IP rules is found.
	 */
	public static class ClientIp {

		/**
		 * Proxies (CIDRs or addresses) whose X-Forwarded-For / Forwarded headers are
		 * believed; with none, the socket peer is the client.
		 */
		private List<String> trustedProxies = new ArrayList<>();

		public List<String> getTrustedProxies() {
			return this.trustedProxies;
		}

		public void setTrustedProxies(List<String> trustedProxies) {
			this.trustedProxies = trustedProxies;
		}

	}

	/**
	 * One rule.
	 */
	public static class Rule {

		/**
		 * Name of the rule, sent in headers and bodies and used as the meter tag.
		 */
		private String name;

		/**
		 * Path patterns the rule applies to (Spring PathPattern syntax).
		 */
		private List<String> paths = new ArrayList<>();

		/**
		 * HTTP methods the rule applies to; empty for all.
		 */
		private List<String> methods = new ArrayList<>();

		/**
		 * What requests are keyed on: global, ip, header:&lt;Name&gt;, principal, or
		 * bean:&lt;beanName&gt; (a RateLimitKeyResolver).
		 */
		private String key = "ip";

		/**
		 * What happens to a request without a key: ip, global, reject (401) or skip.
		 */
		private OnMissingKey onMissingKey = OnMissingKey.IP;

		/**
		 * The rule's token buckets; a request needs a token from each.
		 */
		private List<Limit> limits = new ArrayList<>();

		public String getName() {
			return this.name;
		}

		public void setName(String name) {
			this.name = name;
		}

		public List<String> getPaths() {
			return this.paths;
		}

		public void setPaths(List<String> paths) {
			this.paths = paths;
		}

		public List<String> getMethods() {
			return this.methods;
		}

		public void setMethods(List<String> methods) {
			this.methods = methods;
		}

		public String getKey() {
			return this.key;
		}

		public void setKey(String key) {
			this.key = key;
		}

		public OnMissingKey getOnMissingKey() {
			return this.onMissingKey;
		}

		public void setOnMissingKey(OnMissingKey onMissingKey) {
			this.onMissingKey = onMissingKey;
		}

		public List<Limit> getLimits() {
			return this.limits;
		}

		public void setLimits(List<Limit> limits) {
			this.limits = limits;
		}

	}

	/**
	 * One token bucket.
	 */
	public static class Limit {

		/**
		 * Most tokens the bucket holds: the burst.
		 */
		private long capacity;

		/**
		 * Tokens added per period, continuously.
		 */
		private long refill;

		/**
		 * The refill period.
		 */
		private Duration period;

		public long getCapacity() {
			return this.capacity;
		}

		public void setCapacity(long capacity) {
			this.capacity = capacity;
		}

		public long getRefill() {
			return this.refill;
		}

		public void setRefill(long refill) {
			this.refill = refill;
		}

		public Duration getPeriod() {
			return this.period;
		}

		public void setPeriod(Duration period) {
			this.period = period;
		}

	}

}
