/*
 * The pod sandbox's process (the pause image): holds the pod's namespaces open, reaps the orphans the pod's
 * containers leave to it as PID 1, and exits at once on SIGINT or SIGTERM. Built static, so the image needs
 * nothing but this one file.
 */
#include <signal.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int signal) {
  (void)signal;
  _exit(0);
}

static void reap(int signal) {
  (void)signal;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(void) {
  struct sigaction on_stop = {0};
  on_stop.sa_handler = stop;
  sigaction(SIGINT, &on_stop, NULL);
  sigaction(SIGTERM, &on_stop, NULL);
  struct sigaction on_child = {0};
  on_child.sa_handler = reap;
  on_child.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  sigaction(SIGCHLD, &on_child, NULL);
  for (;;) pause();
}
