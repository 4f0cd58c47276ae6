/*
 * The list of guest threads of the process and the current thread's TaskState.
 */
#include "config.h"
#include <pthread.h>
#include "linux-user/user.h"

static __thread TaskState *current_task;
static pthread_mutex_t task_list_lock = PTHREAD_MUTEX_INITIALIZER;
static TaskState *task_list;

TaskState *task_current(void)
{
    return current_task;
}

void task_set_current(TaskState *ts)
{
    current_task = ts;
}

void task_list_add(TaskState *ts)
{
    pthread_mutex_lock(&task_list_lock);
    ts->next = task_list;
    task_list = ts;
    pthread_mutex_unlock(&task_list_lock);
}

void task_list_remove(TaskState *ts)
{
    pthread_mutex_lock(&task_list_lock);
    for (TaskState **p = &task_list; *p; p = &(*p)->next) {
        if (*p == ts) {
            *p = ts->next;
            break;
        }
    }
    ts->next = NULL;
    pthread_mutex_unlock(&task_list_lock);
}

void task_list_foreach(void (*fn)(TaskState *ts, void *opaque), void *opaque)
{
    TaskState *self = current_task;

    pthread_mutex_lock(&task_list_lock);
    for (TaskState *ts = task_list; ts; ts = ts->next) {
        if (ts != self) {
            fn(ts, opaque);
        }
    }
    pthread_mutex_unlock(&task_list_lock);
}
