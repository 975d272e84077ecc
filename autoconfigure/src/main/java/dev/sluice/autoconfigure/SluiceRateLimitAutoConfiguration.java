package dev.sluice.autoconfigure;

import java.util.List;

import dev.sluice.ratelimit.ClientIpResolver;
import dev.sluice.ratelimit.MemoryRateLimitStore;
import dev.sluice.ratelimit.OnStoreFailure;
import dev.sluice.ratelimit.RateLimitFilter;
import dev.sluice.ratelimit.RateLimitRule;
import dev.sluice.ratelimit.RateLimiters;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.DispatcherType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.BeanFactory;
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
import org.springframework.web.util.pattern.PathPattern;

/**
 * Admission control: token-bucket rate limits ({@code sluice.rate-limit}), as a servlet
 * filter that runs before Spring Security by default (the in-flight cap is
 * {@link SluiceConcurrencyLimitAutoConfiguration}).
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
			return new ClientIpResolver(RateLimitRuleMapper.trustedProxies(properties.getClientIp()));
		}

		@Bean(destroyMethod = "close")
		@ConditionalOnMissingBean
		RateLimiters rateLimiters(SluiceRateLimitProperties properties, ClientIpResolver clientIp,
				BeanFactory beanFactory, ObjectProvider<MeterRegistry> meterRegistry) {
			warnAboutBucket4jStarter();
			Validation.positive("sluice.rate-limit.max-keys", properties.getMaxKeys());
			List<RateLimitRule> rules = RateLimitRuleMapper.rules(properties.getRules(), clientIp, beanFactory);
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
				limiters = new RateLimiters(rules, RedisStores.create(beanFactory, rules, redis), redis.getOnFailure());
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
			registration.setDispatcherTypes(DispatcherType.REQUEST); // once per request,
																		// not again on
																		// async or error
			// at its default order a stage of the request filter
			// (SluiceRequestPathAutoConfiguration)
			registration.setEnabled(
					!filter.getRules().isEmpty() && !SluiceRequestPathAutoConfiguration.isStage(filter, properties));
			return registration;
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
