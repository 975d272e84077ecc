package dev.sluice.actuate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.core.RunningTasks;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The {@code sluice} Actuator endpoint: {@code GET /actuator/sluice} shows every
 * capability's state (pools, rate-limit rules, deadlines, in-flight requests, shutdown);
 * {@code GET /actuator/sluice/tasks} lists every running pool task and task-group subtask
 * with its stack.
 */
@Endpoint(id = "sluice")
public class SluiceEndpoint {

	private final List<SluiceEndpointSection> sections;

	private final RunningTasks runningTasks;

	/**
	 * Creates the endpoint.
	 * @param sections the sections of the overview, in order
	 * @param runningTasks the registry behind the task view
	 */
	public SluiceEndpoint(List<SluiceEndpointSection> sections, RunningTasks runningTasks) {
		this.sections = sections;
		this.runningTasks = runningTasks;
	}

	/**
	 * The state of every capability.
	 * @return one entry per section, by section name
	 */
	@ReadOperation
	public Map<String, Object> sluice() {
		Map<String, Object> overview = new LinkedHashMap<>();
		for (SluiceEndpointSection section : this.sections) {
			overview.put(section.name(), section.describe());
		}
		return overview;
	}

	/**
	 * The running tasks ({@code /actuator/sluice/tasks}); any other name is not found.
	 * @param view {@code tasks}
	 * @return the task view; {@code null} (404) for another name
	 */
	@ReadOperation
	public @Nullable TasksDescriptor view(@Selector String view) {
		return "tasks".equals(view) ? TasksDescriptor.of(this.runningTasks) : null;
	}

}
