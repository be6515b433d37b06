"""The Qt desktop app. The only package that imports Qt; it calls the services layer and
never runs SQL itself. Database work goes through ``tasks.TaskRunner``."""
