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
import dev.sluice.ratelimit.RateLimitKeyResolver;
import dev.sluice.ratelimit.RateLimitRule;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.util.StringUtils;
import org.springframework.web.util.pattern.PathPattern;

/**
 * Maps {@code sluice.rate-limit} properties onto the rate-limit capability's types: the
 * rules, with their precompiled paths, limits and key resolvers, and the trusted proxies.
 * Every bad value fails with an {@link InvalidSluiceConfigurationException} naming its
 * property.
 */
final class RateLimitRuleMapper {

	private RateLimitRuleMapper() {
	}

	/**
	 * The trusted proxies of {@code sluice.rate-limit.client-ip.trusted-proxies}.
	 * @param clientIp the properties
	 * @return the ranges, in order
	 */
	static List<IpRange> trustedProxies(SluiceRateLimitProperties.ClientIp clientIp) {
		List<IpRange> trusted = new ArrayList<>();
		List<String> proxies = clientIp.getTrustedProxies();
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
		return trusted;
	}

	/**
	 * The rules of {@code sluice.rate-limit.rules}, each with a name no other rule has.
	 * @param properties the rules' properties
	 * @param clientIp what {@code key: ip} resolves with
	 * @param beanFactory where {@code key: bean:<name>} resolvers are looked up
	 * @return the rules, in order
	 */
	static List<RateLimitRule> rules(List<SluiceRateLimitProperties.Rule> properties, ClientIpResolver clientIp,
			BeanFactory beanFactory) {
		List<RateLimitRule> rules = new ArrayList<>();
		Set<String> names = new HashSet<>();
		for (int i = 0; i < properties.size(); i++) {
			RateLimitRule rule = rule("sluice.rate-limit.rules[" + i + "].", properties.get(i), clientIp, beanFactory);
			if (!names.add(rule.name())) {
				throw new InvalidSluiceConfigurationException("sluice.rate-limit.rules[" + i + "].name", rule.name(),
						"is used by another rule", "Give every rate-limit rule its own name.");
			}
			rules.add(rule);
		}
		return rules;
	}

	private static RateLimitRule rule(String prefix, SluiceRateLimitProperties.Rule rule, ClientIpResolver clientIp,
			BeanFactory beanFactory) {
		if (!StringUtils.hasText(rule.getName())) {
			throw new InvalidSluiceConfigurationException(prefix + "name", rule.getName(), "is missing",
					"Give the rule a name under " + prefix + "name; it appears in headers, bodies and metrics.");
		}
		if (!rule.getName().chars().allMatch((c) -> c >= 0x20 && c <= 0x7E)) {
			// RateLimit-Policy and RateLimit carry it as a Structured Fields String:
			// printable ASCII only
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
		return new RateLimitRule(rule.getName(), paths, methods, keyPrefix, resolver, rule.getOnMissingKey(), limits);
	}

}
