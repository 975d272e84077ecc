package dev.sluice.autoconfigure;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.limit.AIMDLimit;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limit.VegasLimit;
import com.netflix.concurrency.limits.limit.WindowedLimit;
import dev.sluice.autoconfigure.SluiceConcurrencyLimitProperties.Adaptive;
import dev.sluice.autoconfigure.SluiceConcurrencyLimitProperties.Algorithm;
import dev.sluice.autoconfigure.SluiceConcurrencyLimitProperties.Mode;
import dev.sluice.concurrency.ConcurrencyLimitFilter;
import dev.sluice.concurrency.ConcurrencyLimiter;
import dev.sluice.web.FilterOrders;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.DispatcherType;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.web.util.pattern.PathPattern;

/**
 * The in-flight request cap ({@code sluice.concurrency-limit}): a servlet filter after
 * the rate limit and before the deadline, with a fixed limit ({@code max-in-flight}) or
 * an adaptive one (Netflix concurrency-limits). Installed when {@code mode} is
 * {@code adaptive} or {@code max-in-flight} is not 0.
 */
@AutoConfiguration(afterName = {
		"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
		"org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration" })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ FilterRegistrationBean.class, PathPattern.class, Limit.class })
@ConditionalOnBooleanProperty(name = "sluice.concurrency-limit.enabled", matchIfMissing = true)
@Conditional(SluiceConcurrencyLimitAutoConfiguration.OnConcurrencyLimitCondition.class)
@EnableConfigurationProperties(SluiceConcurrencyLimitProperties.class)
public final class SluiceConcurrencyLimitAutoConfiguration {

	private static final String PREFIX = "sluice.concurrency-limit.";

	@Bean
	@ConditionalOnMissingBean
	ConcurrencyLimiter sluiceConcurrencyLimiter(SluiceConcurrencyLimitProperties properties) {
		if (properties.getMode() == Mode.ADAPTIVE) {
			return adaptive(properties.getAdaptive());
		}
		if (properties.getMaxInFlight() < 0) {
			throw new InvalidSluiceConfigurationException(PREFIX + "max-in-flight", properties.getMaxInFlight(),
					"must not be negative",
					"Set " + PREFIX + "max-in-flight to 0 (off) or the most requests in flight.");
		}
		return ConcurrencyLimiter.fixed(properties.getMaxInFlight());
	}

	@Bean
	@ConditionalOnMissingBean
	ConcurrencyLimitFilter sluiceConcurrencyLimitFilter(ConcurrencyLimiter limiter,
			SluiceConcurrencyLimitProperties properties, ObjectProvider<MeterRegistry> meterRegistry) {
		List<PathPattern> paths = PathPatterns.parseAll(PREFIX + "paths", properties.getPaths());
		meterRegistry.ifUnique(limiter::bindTo);
		return new ConcurrencyLimitFilter(limiter, paths);
	}

	@Bean
	FilterRegistrationBean<ConcurrencyLimitFilter> sluiceConcurrencyLimitFilterRegistration(
			ConcurrencyLimitFilter filter) {
		FilterRegistrationBean<ConcurrencyLimitFilter> registration = new FilterRegistrationBean<>(filter);
		registration.setOrder(FilterOrders.CONCURRENCY_LIMIT);
		registration.setName("sluiceConcurrencyLimitFilter");
		registration.setDispatcherTypes(DispatcherType.REQUEST); // once per request
		registration.setEnabled(false); // a stage of the request filter
										// (SluiceRequestPathAutoConfiguration)
		return registration;
	}

	private static ConcurrencyLimiter adaptive(Adaptive adaptive) {
		String prefix = PREFIX + "adaptive.";
		Validation.positive(prefix + "min-limit", adaptive.getMinLimit());
		Validation.positive(prefix + "max-limit", adaptive.getMaxLimit());
		Validation.positive(prefix + "initial-limit", adaptive.getInitialLimit());
		if (adaptive.getMinLimit() > adaptive.getMaxLimit()) {
			throw new InvalidSluiceConfigurationException(prefix + "min-limit", adaptive.getMinLimit(),
					"is above " + prefix + "max-limit (" + adaptive.getMaxLimit() + ")",
					"Set " + prefix + "min-limit at or below " + prefix + "max-limit.");
		}
		if (adaptive.getInitialLimit() < adaptive.getMinLimit()
				|| adaptive.getInitialLimit() > adaptive.getMaxLimit()) {
			throw new InvalidSluiceConfigurationException(prefix + "initial-limit", adaptive.getInitialLimit(),
					"is outside min-limit and max-limit (" + adaptive.getMinLimit() + " to " + adaptive.getMaxLimit()
							+ ")",
					"Set " + prefix + "initial-limit between " + prefix + "min-limit and " + prefix + "max-limit.");
		}
		String name = adaptive.getAlgorithm().name().toLowerCase(Locale.ROOT);
		if (adaptive.getAlgorithm() == Algorithm.GRADIENT2) {
			String gradientPrefix = prefix + "gradient2.";
			Gradient2Limit gradient2 = gradient2(gradientPrefix, adaptive);
			SluiceConcurrencyLimitProperties.Gradient2 settings = adaptive.getGradient2();
			if (settings.getWindow() == null || settings.getWindow().toMillis() < 100) {
				throw new InvalidSluiceConfigurationException(gradientPrefix + "window", settings.getWindow(),
						"must be at least 100ms", "Set " + gradientPrefix + "window to 100ms or more, such as 1s.");
			}
			if (settings.getWindowSamples() < 10) {
				throw new InvalidSluiceConfigurationException(gradientPrefix + "window-samples",
						settings.getWindowSamples(), "must be at least 10",
						"Set " + gradientPrefix + "window-samples to 10 or more.");
			}
			// Gradient2 is meant to update once per sampling window: fed every request,
			// its long-term average
			// follows a sustained overload within seconds and the limit drifts up to
			// everything in flight.
			long window = settings.getWindow().toNanos();
			Limit windowed = WindowedLimit.newBuilder()
				.minWindowTime(window, TimeUnit.NANOSECONDS)
				.maxWindowTime(window, TimeUnit.NANOSECONDS)
				.windowSize(settings.getWindowSamples())
				.build(gradient2);
			return ConcurrencyLimiter.adaptive(name, windowed, gradient2, adaptive.getMinLimit(),
					adaptive.getMaxLimit());
		}
		Limit limit = (adaptive.getAlgorithm() == Algorithm.VEGAS) ? vegas(prefix + "vegas.", adaptive)
				: aimd(prefix + "aimd.", adaptive);
		return ConcurrencyLimiter.adaptive(name, limit, limit, adaptive.getMinLimit(), adaptive.getMaxLimit());
	}

	private static Gradient2Limit gradient2(String prefix, Adaptive adaptive) {
		SluiceConcurrencyLimitProperties.Gradient2 gradient2 = adaptive.getGradient2();
		atLeast(prefix + "rtt-tolerance", gradient2.getRttTolerance(), 1.0, "1.0 (no slowdown tolerated) or more");
		smoothing(prefix + "smoothing", gradient2.getSmoothing());
		if (gradient2.getQueueSize() < 0) {
			throw new InvalidSluiceConfigurationException(prefix + "queue-size", gradient2.getQueueSize(),
					"must not be negative", "Set " + prefix + "queue-size to 0 or more (default 4).");
		}
		Validation.positive(prefix + "long-window", gradient2.getLongWindow());
		return Gradient2Limit.newBuilder()
			.initialLimit(adaptive.getInitialLimit())
			.minLimit(adaptive.getMinLimit())
			.maxConcurrency(adaptive.getMaxLimit())
			.rttTolerance(gradient2.getRttTolerance())
			.smoothing(gradient2.getSmoothing())
			.queueSize(gradient2.getQueueSize())
			.longWindow(gradient2.getLongWindow())
			.build();
	}

	private static Limit vegas(String prefix, Adaptive adaptive) {
		SluiceConcurrencyLimitProperties.Vegas vegas = adaptive.getVegas();
		smoothing(prefix + "smoothing", vegas.getSmoothing());
		Validation.positive(prefix + "probe-multiplier", vegas.getProbeMultiplier());
		return VegasLimit.newBuilder()
			.initialLimit(adaptive.getInitialLimit())
			.maxConcurrency(adaptive.getMaxLimit())
			.smoothing(vegas.getSmoothing())
			.probeMultiplier(vegas.getProbeMultiplier())
			.build();
	}

	private static Limit aimd(String prefix, Adaptive adaptive) {
		SluiceConcurrencyLimitProperties.Aimd aimd = adaptive.getAimd();
		double ratio = aimd.getBackoffRatio();
		if (!(ratio >= 0.5 && ratio < 1.0)) {
			throw new InvalidSluiceConfigurationException(prefix + "backoff-ratio", ratio,
					"must be at least 0.5 and below 1", "Set " + prefix + "backoff-ratio to a value such as 0.9.");
		}
		Validation.positive(prefix + "timeout", aimd.getTimeout());
		return AIMDLimit.newBuilder()
			.initialLimit(adaptive.getInitialLimit())
			.minLimit(adaptive.getMinLimit())
			.maxLimit(adaptive.getMaxLimit())
			.backoffRatio(ratio)
			.timeout(aimd.getTimeout().toNanos(), TimeUnit.NANOSECONDS)
			.build();
	}

	private static void smoothing(String property, double value) {
		if (!(value > 0 && value <= 1.0)) {
			throw new InvalidSluiceConfigurationException(property, value, "must be above 0 and at most 1",
					"Set " + property + " to a fraction such as 0.2.");
		}
	}

	private static void atLeast(String property, double value, double least, String hint) {
		if (!(value >= least)) {
			throw new InvalidSluiceConfigurationException(property, value, "must be at least " + least,
					"Set " + property + " to " + hint + ".");
		}
	}

	/**
	 * Matches when the cap is on: {@code mode: adaptive}, or {@code max-in-flight} other
	 * than 0 (a negative one so that start-up reports it).
	 */
	static class OnConcurrencyLimitCondition extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			Binder binder = Binder.get(context.getEnvironment());
			String mode = binder.bind(PREFIX + "mode", String.class).orElse("fixed").trim();
			if (!mode.equalsIgnoreCase("fixed")) {
				// adaptive, or a value that binding then reports naming the property
				return ConditionOutcome.match(PREFIX + "mode is " + mode);
			}
			String max = binder.bind(PREFIX + "max-in-flight", String.class).orElse("0").trim();
			try {
				if (Integer.parseInt(max) == 0) {
					return ConditionOutcome.noMatch(PREFIX + "max-in-flight is 0");
				}
			}
			catch (NumberFormatException ex) {
				// binding reports it
			}
			return ConditionOutcome.match(PREFIX + "max-in-flight is " + max);
		}

	}

}
