package dev.sluice.autoconfigure;

import java.time.Duration;

import dev.sluice.pool.ThreadKind;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Task groups (errgroup-style fan-out), under {@code sluice.task-groups}.
 */
@ConfigurationProperties("sluice.task-groups")
public class SluiceTaskGroupsProperties {

	/**
	 * Whether the TaskGroups bean is created.
	 */
	private boolean enabled = true;

	/**
	 * Threads subtasks run on: virtual (the default on Java 21+) or platform (the default
	 * on Java 17).
	 */
	private ThreadKind threads;

	/**
	 * With platform threads: the most threads running subtasks, shared by every group.
	 */
	private int maxThreads = 64;

	/**
	 * With platform threads: how long an idle thread waits for a subtask before it
	 * retires; 0 keeps every thread until shutdown.
	 */
	private Duration keepAlive = Duration.ofSeconds(60);

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public ThreadKind getThreads() {
		return this.threads;
	}

	public void setThreads(ThreadKind threads) {
		this.threads = threads;
	}

	public int getMaxThreads() {
		return this.maxThreads;
	}

	public void setMaxThreads(int maxThreads) {
		this.maxThreads = maxThreads;
	}

	public Duration getKeepAlive() {
		return this.keepAlive;
	}

	public void setKeepAlive(Duration keepAlive) {
		this.keepAlive = keepAlive;
	}

}
