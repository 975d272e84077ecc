package dev.sluice.safety;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.aop.scope.ScopedProxyUtils;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

/**
 * Runs the {@link HandlerSafetyInspector} over every singleton bean once all singletons
 * exist: in {@code warn} mode it logs one warning per finding, in {@code fail} mode it
 * fails start-up with an {@link UnsafeHandlerStateException} listing every finding. The
 * findings stay available for the Actuator.
 */
public class HandlerSafetyCheck implements SmartInitializingSingleton {

	private static final Logger logger = LoggerFactory.getLogger(HandlerSafetyCheck.class);

	private final ConfigurableListableBeanFactory beanFactory;

	private final HandlerSafetyMode mode;

	private final List<String> packages;

	private volatile List<HandlerSafetyFinding> findings = List.of();

	/**
	 * Creates the check.
	 * @param beanFactory the factory whose singletons are inspected
	 * @param mode what to do with the findings
	 * @param packages the packages whose classes are inspected
	 */
	public HandlerSafetyCheck(ConfigurableListableBeanFactory beanFactory, HandlerSafetyMode mode,
			List<String> packages) {
		this.beanFactory = beanFactory;
		this.mode = mode;
		this.packages = List.copyOf(packages);
	}

	@Override
	public void afterSingletonsInstantiated() {
		if (this.mode == HandlerSafetyMode.OFF || this.packages.isEmpty()) {
			return;
		}
		List<HandlerSafetyFinding> found = inspect();
		this.findings = found;
		if (found.isEmpty()) {
			return;
		}
		if (this.mode == HandlerSafetyMode.FAIL) {
			throw new UnsafeHandlerStateException(found);
		}
		for (HandlerSafetyFinding finding : found) {
			logger.warn("Shared mutable state without protection in {}", finding.describe());
		}
	}

	/**
	 * Inspects every singleton bean now.
	 * @return the findings
	 */
	public List<HandlerSafetyFinding> inspect() {
		HandlerSafetyInspector inspector = new HandlerSafetyInspector(this.packages);
		List<HandlerSafetyFinding> found = new ArrayList<>();
		for (String name : this.beanFactory.getSingletonNames()) {
			if (ScopedProxyUtils.isScopedTarget(name) || !isSingleton(name)) {
				continue;
			}
			Object bean = this.beanFactory.getSingleton(name);
			if (bean != null && inspector.covers(bean)) {
				found.addAll(inspector.inspect(name, bean));
			}
		}
		return found;
	}

	private boolean isSingleton(String name) {
		if (!this.beanFactory.containsBeanDefinition(name)) {
			return true; // registered as an object, which is shared
		}
		BeanDefinition definition = this.beanFactory.getMergedBeanDefinition(name);
		return definition.isSingleton();
	}

	/**
	 * What the check does with its findings.
	 * @return the mode
	 */
	public HandlerSafetyMode getMode() {
		return this.mode;
	}

	/**
	 * The packages inspected.
	 * @return the package names
	 */
	public List<String> getPackages() {
		return this.packages;
	}

	/**
	 * The findings of the start-up inspection.
	 * @return the findings, empty before it ran, when off, or when everything is safe
	 */
	public List<HandlerSafetyFinding> getFindings() {
		return this.findings;
	}

}
