package dev.sluice.pool;

/**
 * Changes the settings of {@link WorkerPool}s before Sluice's auto-configuration creates
 * them, for what {@code sluice.pools.<name>} cannot say, or to change one pool without
 * redefining it. Declare beans of this type; each is called, in order, for every pool,
 * with the settings bound and validated from the properties:
 *
 * <pre class="code">
 * &#64;Bean
 * WorkerPoolCustomizer slowReports() {
 *     return (spec) -&gt; spec.name().equals("reports") ? spec.withTaskTimeout(Duration.ofMinutes(5)) : spec;
 * }
 * </pre>
 */
@FunctionalInterface
public interface WorkerPoolCustomizer {

	/**
	 * Returns the settings the pool is created with.
	 * @param spec the settings so far; {@link WorkerPoolSpec#name()} says which pool
	 * @return the settings to use, {@code spec} itself to leave them
	 */
	WorkerPoolSpec customize(WorkerPoolSpec spec);

}
