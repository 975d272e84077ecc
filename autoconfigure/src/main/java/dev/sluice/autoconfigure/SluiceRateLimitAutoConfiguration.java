package dev.sluice.autoconfigure;

import java.security.Principal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.sluice.ratelimit.ClientIpResolver;
import dev.sluice.ratelimit.IpRange;
import dev.sluice.ratelimit.Limit;
import dev.sluice.ratelimit.MemoryRateLimitStore;
import dev.sluice.ratelimit.OnStoreFailure;
import dev.sluice.ratelimit.RateLimitFilter;
import dev.sluice.ratelimit.RateLimitKeyResolver;
import dev.sluice.ratelimit.RateLimitRule;
import dev.sluice.ratelimit.RateLimiters;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.DispatcherType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;
import org.springframework.web.util.pattern.PathPattern;

/**
 * Admission control: token-bucket rate limits ({@code sluice.rate-limit}), as a servlet filter that runs before
 * Spring Security by default (the in-flight cap is {@link SluiceConcurrencyLimitAutoConfiguration}).
 */
@AutoConfiguration(afterName = {
		"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
		"org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
		"org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration" })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ FilterRegistrationBean.class, PathPattern.class })
@EnableConfigurationProperties(SluiceRateLimitProperties.class)
public final class SluiceRateLimitAutoConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(SluiceRateLimitAutoConfiguration.class);

	private static final String REDIS_CONNECTION_DETAILS = "org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails";

	private static final String LETTUCE = "io.lettuce.core.RedisClient";

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBooleanProperty(name = "sluice.rate-limit.enabled", matchIfMissing = true)
	static class RateLimitConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ClientIpResolver sluiceClientIpResolver(SluiceRateLimitProperties properties) {
			List<IpRange> trusted = new ArrayList<>();
			List<String> proxies = properties.getClientIp().getTrustedProxies();
			for (int i = 0; i < proxies.size(); i++) {
				try {
					trusted.add(IpRange.parse(proxies.get(i)));
				}
				catch (IllegalArgumentException ex) {
					String property = "sluice.rate-limit.client-ip.trusted-proxies[" + i + "]";
					throw new InvalidSluiceConfigurationException(property, proxies.get(i),
							"is not a CIDR range or address: " + ex.getMessage(),
							"Write " + property + " as an address or CIDR, such as 10.0.0.0/8 or fd00::/8.");
				}
			}
			return new ClientIpResolver(trusted);
		}

		@Bean(destroyMethod = "close")
		@ConditionalOnMissingBean
		RateLimiters rateLimiters(SluiceRateLimitProperties properties, ClientIpResolver clientIp,
				BeanFactory beanFactory, ObjectProvider<MeterRegistry> meterRegistry) {
			warnAboutBucket4jStarter();
			Validation.positive("sluice.rate-limit.max-keys", properties.getMaxKeys());
			List<RateLimitRule> rules = new ArrayList<>();
			Set<String> names = new HashSet<>();
			for (int i = 0; i < properties.getRules().size(); i++) {
				RateLimitRule rule = rule("sluice.rate-limit.rules[" + i + "].", properties.getRules().get(i),
						clientIp, beanFactory);
				if (!names.add(rule.name())) {
					throw new InvalidSluiceConfigurationException("sluice.rate-limit.rules[" + i + "].name",
							rule.name(), "is used by another rule", "Give every rate-limit rule its own name.");
				}
				rules.add(rule);
			}
			RateLimiters limiters;
			if (properties.getStore() == SluiceRateLimitProperties.Store.REDIS) {
				SluiceRateLimitProperties.Redis redis = properties.getRedis();
				Validation.positive("sluice.rate-limit.redis.timeout", redis.getTimeout());
				if (!ClassUtils.isPresent(REDIS_CONNECTION_DETAILS, null) || !ClassUtils.isPresent(LETTUCE, null)) {
					throw new InvalidSluiceConfigurationException("sluice.rate-limit.store", "redis",
							"the Redis store needs Spring Boot's Redis support (spring-boot-data-redis) and "
									+ "io.lettuce:lettuce-core",
							"Add spring-boot-starter-data-redis (which brings Lettuce) to the application, or set "
									+ "sluice.rate-limit.store to memory.");
				}
				limiters = new RateLimiters(rules, RedisStores.create(beanFactory, rules, redis),
						redis.getOnFailure());
			}
			else {
				limiters = new RateLimiters(rules, new MemoryRateLimitStore(rules, properties.getMaxKeys()),
						OnStoreFailure.ALLOW);
			}
			meterRegistry.ifUnique(limiters::bindTo);
			return limiters;
		}

		@Bean
		@ConditionalOnMissingBean
		RateLimitFilter sluiceRateLimitFilter(RateLimiters limiters, ClientIpResolver clientIp,
				SluiceRateLimitProperties properties) {
			return new RateLimitFilter(limiters, clientIp, properties.isHeaders());
		}

		@Bean
		FilterRegistrationBean<RateLimitFilter> sluiceRateLimitFilterRegistration(RateLimitFilter filter,
				SluiceRateLimitProperties properties) {
			FilterRegistrationBean<RateLimitFilter> registration = new FilterRegistrationBean<>(filter);
			registration.setOrder(properties.getFilterOrder());
			registration.setName("sluiceRateLimitFilter");
			registration.setDispatcherTypes(DispatcherType.REQUEST); // once per request, not again on async or error
			registration.setEnabled(!filter.getRules().isEmpty());
			return registration;
		}

		private static RateLimitRule rule(String prefix, SluiceRateLimitProperties.Rule rule,
				ClientIpResolver clientIp, BeanFactory beanFactory) {
			if (!StringUtils.hasText(rule.getName())) {
				throw new InvalidSluiceConfigurationException(prefix + "name", rule.getName(), "is missing",
						"Give the rule a name under " + prefix + "name; it appears in headers, bodies and metrics.");
			}
			if (!rule.getName().chars().allMatch((c) -> c >= 0x20 && c <= 0x7E)) {
				// RateLimit-Policy and RateLimit carry it as a Structured Fields String: printable ASCII only
				throw new InvalidSluiceConfigurationException(prefix + "name", rule.getName(),
						"has characters an HTTP header's Structured Fields String cannot carry",
						"Name the rule with printable ASCII characters only, such as login or api-v2.");
			}
			if (rule.getPaths().isEmpty()) {
				throw new InvalidSluiceConfigurationException(prefix + "paths", "[]", "must not be empty",
						"List the path patterns the rule applies to under " + prefix + "paths, such as /api/**.");
			}
			List<PathPattern> paths = PathPatterns.parseAll(prefix + "paths", rule.getPaths());
			Set<String> methods = new HashSet<>();
			rule.getMethods().forEach((method) -> methods.add(method.trim().toUpperCase(Locale.ROOT)));
			if (rule.getLimits().isEmpty()) {
				throw new InvalidSluiceConfigurationException(prefix + "limits", "[]", "a rule needs at least one limit",
						"Add a limit under " + prefix + "limits, such as { capacity: 10, refill: 10, period: 1s }.");
			}
			List<Limit> limits = new ArrayList<>();
			for (int l = 0; l < rule.getLimits().size(); l++) {
				SluiceRateLimitProperties.Limit limit = rule.getLimits().get(l);
				String limitPrefix = prefix + "limits[" + l + "].";
				Validation.positive(limitPrefix + "capacity", limit.getCapacity());
				Validation.positive(limitPrefix + "refill", limit.getRefill());
				Validation.positive(limitPrefix + "period", limit.getPeriod());
				limits.add(new Limit(limit.getCapacity(), limit.getRefill(), limit.getPeriod()));
			}
			String key = (rule.getKey() != null) ? rule.getKey().trim() : "";
			String keyPrefix;
			RateLimitKeyResolver resolver;
			if (key.equals("global")) {
				keyPrefix = "";
				resolver = (request) -> "global";
			}
			else if (key.equals("ip")) {
				keyPrefix = "ip:";
				resolver = clientIp::resolve;
			}
			else if (key.equals("principal")) {
				keyPrefix = "p:";
				resolver = (request) -> {
					Principal principal = request.getUserPrincipal();
					return (principal != null) ? principal.getName() : null;
				};
			}
			else if (key.startsWith("header:") && key.length() > "header:".length()) {
				String header = key.substring("header:".length()).trim();
				keyPrefix = "h:";
				resolver = (request) -> request.getHeader(header);
			}
			else if (key.startsWith("bean:") && key.length() > "bean:".length()) {
				String beanName = key.substring("bean:".length()).trim();
				try {
					resolver = beanFactory.getBean(beanName, RateLimitKeyResolver.class);
				}
				catch (NoSuchBeanDefinitionException ex) {
					throw new InvalidSluiceConfigurationException(prefix + "key", key,
							"there is no RateLimitKeyResolver bean named '" + beanName + "'",
							"Declare a RateLimitKeyResolver bean named '" + beanName + "', or fix " + prefix + "key.");
				}
				keyPrefix = "b:";
			}
			else {
				throw new InvalidSluiceConfigurationException(prefix + "key", rule.getKey(), "is not a known key kind",
						"Set " + prefix + "key to global, ip, header:<Name>, principal or bean:<beanName>.");
			}
			return new RateLimitRule(rule.getName(), paths, methods, keyPrefix, resolver, rule.getOnMissingKey(),
					limits);
		}

		private static void warnAboutBucket4jStarter() {
			if (RateLimitConfiguration.class.getClassLoader()
				.getResource("com/giffing/bucket4j/spring/boot/starter") != null) {
				logger.warn("The bucket4j Spring Boot starter is on the classpath; Sluice's rate limits use the "
						+ "sluice.rate-limit.* properties and leave bucket4j.* to that starter.");
			}
		}

	}

}
