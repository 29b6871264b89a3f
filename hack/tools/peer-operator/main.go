// Command peer-operator is a benchmark peer of the TypeScript cluster-registry-operator: the same job (register a
// cluster over Kafka, heartbeat, deregister on delete) written with controller-runtime and franz-go.
//
// A copy of the peer the bench races (hack/bench/peer.ts builds it), as it was written, plus one addition: a
// /readyz that answers once the ClusterRegistration informer has synced, the same moment the TypeScript
// operator's /readyz turns ready, so that the bench starts both clocks alike.
package main

import (
	"errors"
	"flag"
	"net/http"
	"os"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

func main() {
	var (
		metricsAddr, probeAddr, leaseNamespace string
		leaderElect                            bool
		maxConcurrent                          int
		sendTimeout, linger                    time.Duration
	)
	// --kubeconfig is registered by controller-runtime itself (KUBECONFIG, in-cluster and ~/.kube/config follow).
	flag.StringVar(&metricsAddr, "metrics-bind-address", "0", `address of the Prometheus endpoint, such as ":8080"; "0" turns it off`)
	flag.StringVar(&probeAddr, "health-probe-bind-address", "0", `address of /readyz, such as ":8081"; "0" turns it off`)
	flag.BoolVar(&leaderElect, "leader-elect", false, "run only while holding the leader election Lease")
	flag.StringVar(&leaseNamespace, "leader-election-namespace", "", "namespace of the Lease (default: the pod's own)")
	flag.IntVar(&maxConcurrent, "max-concurrent-reconciles", 16, "ClusterRegistrations reconciled in parallel")
	flag.DurationVar(&sendTimeout, "send-timeout", 15*time.Second, "deadline of one Kafka send")
	flag.DurationVar(&linger, "kafka-linger", 10*time.Millisecond, "how long the producer waits to fill a batch (franz-go's default)")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	log := ctrl.Log.WithName("setup")

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(SchemeBuilder.AddToScheme(scheme))

	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 metricsserver.Options{BindAddress: metricsAddr},
		HealthProbeBindAddress:  probeAddr,
		LeaderElection:          leaderElect,
		LeaderElectionID:        "peer-operator.registry.kgroot.io",
		LeaderElectionNamespace: leaseNamespace,
		Cache:                   cache.Options{DefaultTransform: cache.TransformStripManagedFields()},
	})
	if err != nil {
		log.Error(err, "unable to create manager")
		os.Exit(1)
	}

	producers := NewProducers(
		kgo.ClientID("peer-operator"),
		kgo.RequiredAcks(kgo.AllISRAcks()), // acks=all; the idempotent producer is franz-go's default
		kgo.ProducerLinger(linger),
		kgo.RecordDeliveryTimeout(sendTimeout),
	)
	reconciler := &Reconciler{
		Client:      mgr.GetClient(),
		Recorder:    mgr.GetEventRecorderFor("peer-operator"),
		Producers:   producers,
		SendTimeout: sendTimeout,
		tracked:     map[string]tracked{},
	}
	err = ctrl.NewControllerManagedBy(mgr).
		For(&ClusterRegistration{}).
		WithOptions(controller.Options{MaxConcurrentReconciles: maxConcurrent}).
		Complete(reconciler)
	if err != nil {
		log.Error(err, "unable to create controller")
		os.Exit(1)
	}

	err = mgr.AddReadyzCheck("informer", func(req *http.Request) error {
		informer, err := mgr.GetCache().GetInformer(req.Context(), &ClusterRegistration{}, cache.BlockUntilSynced(false))
		if err != nil {
			return err
		}
		if !informer.HasSynced() {
			return errors.New("the ClusterRegistration informer has not synced")
		}
		return nil
	})
	if err != nil {
		log.Error(err, "unable to add the readiness check")
		os.Exit(1)
	}

	log.Info("starting manager", "maxConcurrentReconciles", maxConcurrent, "leaderElection", leaderElect)
	err = mgr.Start(ctrl.SetupSignalHandler())
	producers.Close()
	if err != nil {
		log.Error(err, "manager stopped")
		os.Exit(1)
	}
}
