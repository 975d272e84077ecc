package dev.sluice.testapps.safety.clean;

import java.io.IOException;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

import jakarta.annotation.PostConstruct;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanNameAware;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;
import org.springframework.core.env.Environment;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.annotation.RequestScope;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Beans that are safe but look at first sight as if they were not: subclasses of Spring
 * types users commonly extend (their inherited fields are Spring's), Aware callbacks,
 * lifecycle initialisers, configuration properties, constants, proxies, and beans that
 * are not singletons. The check must find nothing here.
 */
@SpringBootApplication
@EnableConfigurationProperties(CleanHandlersTestApp.GreetingProperties.class)
public class CleanHandlersTestApp {

	private static final Logger logger = LoggerFactory.getLogger(CleanHandlersTestApp.class);

	static final List<String> CONSTANT_LIST = List.of("a", "b");

	static final Map<String, Integer> CONSTANT_MAP = Map.of("a", 1);

	static final Set<String> UNMODIFIABLE = Collections.unmodifiableSet(new java.util.HashSet<>(Set.of("x")));

	static final DateTimeFormatter FORMAT = DateTimeFormatter.ISO_LOCAL_DATE;

	static final String[] HEADERS = { "X-One", "X-Two" };

	@Bean
	static BeanPostProcessor classProxyingPostProcessor() {
		return new BeanPostProcessor() {
			@Override
			public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
				if (bean instanceof ProxiedController) {
					ProxyFactory factory = new ProxyFactory(bean);
					factory.setProxyTargetClass(true);
					return factory.getProxy();
				}
				return bean;
			}
		};
	}

	@Bean
	@Scope("prototype")
	PerUseBuffer perUseBuffer() {
		return new PerUseBuffer();
	}

	@Bean
	ConfiguredBySetters configuredBySetters(Environment environment) {
		ConfiguredBySetters bean = new ConfiguredBySetters();
		bean.setName(environment.getProperty("clean.name", "clean"));
		return bean;
	}

	@Bean
	Settings settings() {
		return new Settings("s", new ArrayList<>(List.of("t")));
	}

	static class PerUseBuffer {

		final StringBuilder text = new StringBuilder();

	}

	static class ConfiguredBySetters {

		private String name;

		void setName(String name) {
			this.name = name;
		}

		String name() {
			return this.name;
		}

	}

	@ConfigurationProperties("clean.greeting")
	public static class GreetingProperties {

		private String word = "Hello";

		private List<String> names = new ArrayList<>();

		public String getWord() {
			return this.word;
		}

		public void setWord(String word) {
			this.word = word;
		}

		public List<String> getNames() {
			return this.names;
		}

		public void setNames(List<String> names) {
			this.names = names;
		}

	}

	@Component
	static class TimingFilter extends OncePerRequestFilter {

		private final LongAdder requests = new LongAdder();

		@Override
		protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
				throws ServletException, IOException {
			this.requests.increment();
			chain.doFilter(request, response);
		}

	}

	@ControllerAdvice
	static class Errors extends ResponseEntityExceptionHandler {

		@ExceptionHandler(IllegalStateException.class)
		ResponseEntity<String> illegalState(IllegalStateException ex) {
			return ResponseEntity.badRequest().body(ex.getMessage());
		}

	}

	@Configuration(proxyBeanMethods = true)
	static class WebConfiguration implements WebMvcConfigurer {

		@Value("${clean.interceptor.enabled:true}")
		private boolean interceptorEnabled;

		@Override
		public void addInterceptors(InterceptorRegistry registry) {
			if (this.interceptorEnabled) {
				registry.addInterceptor(new HandlerInterceptor() {
				});
			}
		}

	}

	@Component
	static class AlwaysUpHealth extends AbstractHealthIndicator {

		@Override
		protected void doHealthCheck(org.springframework.boot.health.contributor.Health.Builder builder) {
			builder.up();
		}

	}

	@Component
	static class ContextHolder implements ApplicationContextAware, BeanNameAware, InitializingBean {

		private ApplicationContext context;

		private String beanName;

		private Map<String, Object> beansByName;

		private List<String> names;

		@Autowired
		private Environment environment;

		private String profile;

		@Override
		public void setApplicationContext(ApplicationContext context) {
			this.context = context;
		}

		@Override
		public void setBeanName(String name) {
			this.beanName = name;
		}

		@Override
		public void afterPropertiesSet() {
			this.beansByName = Map.copyOf(this.context.getBeansOfType(GreetingProperties.class));
		}

		@PostConstruct
		void init() {
			this.names = List.of(this.context.getBeanDefinitionNames());
			this.profile = String.join(",", this.environment.getActiveProfiles());
		}

		String describe() {
			return this.beanName + this.beansByName + this.names + this.profile;
		}

	}

	@RestController
	static class ListController {

		private final List<String> allowed;

		private final Map<String, String> labels;

		private volatile String lastCaller;

		ListController(@Value("${clean.allowed:a,b}") List<String> allowed, GreetingProperties properties) {
			this.allowed = allowed;
			this.labels = Map.of("word", properties.getWord());
		}

		@GetMapping("/allowed")
		List<String> allowed() {
			this.lastCaller = Thread.currentThread().getName();
			logger.debug("{} {}", this.labels, this.lastCaller);
			return this.allowed;
		}

	}

	@RestController
	static class ProxiedController {

		private final LongAdder calls = new LongAdder();

		@GetMapping("/proxied")
		long proxied() {
			this.calls.increment();
			return this.calls.sum();
		}

	}

	@Component
	@RequestScope
	static class PerRequestState {

		private final Map<String, String> values = new HashMap<>();

		private int touched;

		void touch(String key) {
			this.values.put(key, key);
			this.touched++;
		}

	}

	record Settings(String name, List<String> tags) {
	}

}
