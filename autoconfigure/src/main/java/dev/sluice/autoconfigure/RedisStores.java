package dev.sluice.autoconfigure;

import java.time.Duration;
import java.util.List;

import dev.sluice.ratelimit.RateLimitRule;
import dev.sluice.ratelimit.RateLimitStore;
import dev.sluice.ratelimit.RedisRateLimitStore;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails.Node;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.util.StringUtils;

/**
 * Builds the Redis store from Spring Boot's {@link DataRedisConnectionDetails} (the
 * {@code spring.data.redis} properties, or what {@code @ServiceConnection},
 * Testcontainers or Docker Compose provide): standalone, Sentinel, Cluster or static
 * master/replica, as Boot's own Lettuce connection factory would choose. Kept apart so
 * that Lettuce and Boot's Redis module are only loaded when {@code store: redis}.
 */
final class RedisStores {

	private RedisStores() {
	}

	static RateLimitStore create(BeanFactory beanFactory, List<RateLimitRule> rules,
			SluiceRateLimitProperties.Redis redis) {
		DataRedisConnectionDetails details = beanFactory.getBeanProvider(DataRedisConnectionDetails.class)
			.getIfAvailable();
		if (details == null) {
			throw new InvalidSluiceConfigurationException("sluice.rate-limit.store", "redis",
					"there is no DataRedisConnectionDetails bean: Spring Boot's Redis auto-configuration did not run",
					"Add spring-boot-starter-data-redis to the application, or set sluice.rate-limit.store to memory.");
		}
		SslOptions ssl = ssl(details.getSslBundle());
		String prefix = redis.getKeyPrefix();
		Duration timeout = redis.getTimeout();
		if (details.getCluster() != null) {
			return RedisRateLimitStore.cluster(uris(details, details.getCluster().getNodes()), ssl, rules, prefix,
					timeout);
		}
		if (details.getSentinel() != null) {
			return RedisRateLimitStore.standalone(sentinel(details), ssl, rules, prefix, timeout);
		}
		if (details.getMasterReplica() != null) {
			return RedisRateLimitStore.masterReplica(uris(details, details.getMasterReplica().getNodes()), ssl, rules,
					prefix, timeout);
		}
		DataRedisConnectionDetails.Standalone standalone = details.getStandalone();
		RedisURI.Builder uri = RedisURI.builder()
			.withHost(standalone.getHost())
			.withPort(standalone.getPort())
			.withDatabase(standalone.getDatabase());
		return RedisRateLimitStore.standalone(secured(uri, details).build(), ssl, rules, prefix, timeout);
	}

	private static List<RedisURI> uris(DataRedisConnectionDetails details, List<Node> nodes) {
		return nodes.stream()
			.map((node) -> secured(RedisURI.builder().withHost(node.host()).withPort(node.port()), details).build())
			.toList();
	}

	private static RedisURI sentinel(DataRedisConnectionDetails details) {
		DataRedisConnectionDetails.Sentinel sentinel = details.getSentinel();
		RedisURI.Builder uri = RedisURI.builder().withSentinelMasterId(sentinel.getMaster());
		for (Node node : sentinel.getNodes()) {
			RedisURI.Builder sentinelUri = RedisURI.builder().withHost(node.host()).withPort(node.port());
			if (StringUtils.hasText(sentinel.getPassword())) {
				credentials(sentinelUri, sentinel.getUsername(), sentinel.getPassword());
			}
			uri.withSentinel(sentinelUri.build());
		}
		uri.withDatabase(sentinel.getDatabase());
		return secured(uri, details).build();
	}

	private static RedisURI.Builder secured(RedisURI.Builder uri, DataRedisConnectionDetails details) {
		if (StringUtils.hasText(details.getPassword())) {
			credentials(uri, details.getUsername(), details.getPassword());
		}
		return uri.withSsl(details.getSslBundle() != null);
	}

	private static void credentials(RedisURI.Builder uri, String username, String password) {
		if (StringUtils.hasText(username)) {
			uri.withAuthentication(username, password.toCharArray());
		}
		else {
			uri.withPassword(password.toCharArray());
		}
	}

	private static SslOptions ssl(SslBundle bundle) {
		if (bundle == null) {
			return null;
		}
		return SslOptions.builder()
			.jdkSslProvider()
			.keyManager(bundle.getManagers().getKeyManagerFactory())
			.trustManager(bundle.getManagers().getTrustManagerFactory())
			.build();
	}

}
