package scnettest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"scnetbot/scnet"
)

// generator makes realistic records from a seeded source.
type generator struct{ rng *rand.Rand }

func newGenerator(rng *rand.Rand) *generator { return &generator{rng: rng} }

func pick[T any](g *generator, xs ...T) T { return xs[g.rng.IntN(len(xs))] }

// between returns a duration uniformly in [lo, hi).
func (g *generator) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(g.rng.Int64N(int64(hi-lo)))
}

func (g *generator) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.rng.IntN(16)]
	}
	return string(b)
}

func (g *generator) alnum(n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[g.rng.IntN(len(chars))]
	}
	return string(b)
}

func (g *generator) name() string {
	switch n := g.rng.IntN(20); {
	case n < 3:
		return fmt.Sprintf("Instances_%d", 2204200000+g.rng.IntN(99999999))
	case n < 5:
		return fmt.Sprintf("%s%d", pick(g, "图像分割-实验", "语音识别-测试", "大模型微调-", "数据预处理-"), g.rng.IntN(20)+1)
	case n < 7:
		return pick(g, "bert-finetune", "notebook-dev", "jupyter-playground", "dcu-smoke-test")
	default:
		base := pick(g, "train-llm-7b", "train-llm-13b", "qwen-sft", "llama2-lora", "resnet50-imagenet",
			"yolov8-det", "sd-xl-infer", "whisper-asr", "vllm-serve", "glm4-eval", "bert-finetune")
		return fmt.Sprintf("%s-%02d", base, g.rng.IntN(40)+1)
	}
}

// hostileNames try to break Slack formatting, layout or encoding.
func hostileNames() []string {
	return []string{
		"<!channel> ping",
		"a&b<c>",
		"<@U024BE7LH> *bold* _it_ ~gone~ `code`",
		"<https://evil.example|click me>",
		"🔥训练-run-1 🚀",
		strings.Repeat("very-long-instance-name-", 12) + "ends-here-ok", // 300 characters
		"line1\nline2",
	}
}

func (g *generator) status() scnet.Status {
	switch n := g.rng.IntN(100); {
	case n < 40:
		return scnet.StatusCompleted
	case n < 60:
		return scnet.StatusFailed
	case n < 88:
		return scnet.StatusTerminated
	case n < 95:
		return scnet.StatusRunning
	case n < 97:
		return scnet.StatusDeploying
	default:
		return scnet.StatusWaiting
	}
}

func (g *generator) taskType() scnet.TaskType {
	switch n := g.rng.IntN(100); {
	case n < 45:
		return scnet.TaskSSH
	case n < 80:
		return scnet.TaskJupyter
	case n < 92:
		return scnet.TaskCodeServer
	default:
		return scnet.TaskRStudio
	}
}

// record makes one record with consistent status, times and resources as of
// now. i only varies the port numbers.
func (g *generator) record(i int, now time.Time) Record {
	now = now.In(scnet.Beijing())
	st, tt := g.status(), g.taskType()
	r := Record{
		ID:                     g.hex(32),
		Name:                   g.name(),
		Status:                 st,
		TaskType:               tt,
		TimeoutLimit:           pick(g, "unlimited", "unlimited", "unlimited", "unlimited", "unlimited", "unlimited", "unlimited", "72h", "72h", "24h"),
		UserName:               pick(g, "demo", "zhangwei", "liuyang", "wangfang", "chenjing", "lihua", "acadmin"),
		CurrentIndex:           1,
		TaskNumber:             1,
		HeaderNotebookID:       g.hex(32),
		StartScriptActionScope: "all",
	}
	g.resources(&r)
	if g.rng.IntN(4) == 0 {
		r.Description = pick(g, "LLM 预训练", "debug run", "周末跑的对比实验", "eval on held-out set")
	}
	if g.rng.IntN(10) == 0 {
		r.TensorboardID = g.hex(32)
		r.TensorboardPath = "/public/home/" + r.UserName + "/logs/tensorboard"
	}
	if g.rng.IntN(100) < 35 {
		r.UseStartScript = true
		r.StartScriptPath = "/public/home/" + r.UserName + "/start.sh"
		r.StartScriptContent = "#!/bin/bash\nexport HF_TOKEN=hf_" + g.alnum(34) +
			"\nexport WANDB_API_KEY=" + g.hex(40) +
			"\ncd /public/home/" + r.UserName + "/work && python train.py --config configs/run.yaml\n"
	}
	g.times(&r, now)
	r.Ports = g.ports(tt, r.ID, i)
	r.Mounts = []Mount{
		{Source: "/public/home/" + r.UserName, Target: "/root/private_data"},
		{Source: "/work/share/datasets", Target: "/datasets", ReadOnly: true},
	}
	refreshTimes(&r, now)
	return r
}

func (g *generator) resources(r *Record) {
	r.ResourceGroup = pick(g, "TeslaM40", "A800-80G", "A800-80G", "K100_AI", "K100_AI", "DCU-Z100")
	acc, images := "gpu", []string{"pytorch:2.1.0-py3.10-cuda12.1", "pytorch:1.2-py3.6-CUDA10.0",
		"tensorflow:2.13.0-py3.10-cuda11.8", "vllm:0.4.2-py3.10-cuda12.1", "jupyterlab:4.0.7-py3.10-cuda11.8"}
	if strings.HasPrefix(r.ResourceGroup, "K100") || strings.HasPrefix(r.ResourceGroup, "DCU") {
		acc, images = "dcu", []string{"pytorch:2.1.0-py3.10-dtk24.04", "paddlepaddle:2.5.1-py3.9-dtk23.10",
			"tensorflow:2.13.1-py3.10-dtk24.04"}
	}
	r.AcceleratorType = acc
	r.Version = pick(g, images...)
	r.ImagePath = "10.0.35.26:5000/" + acc + "/admin/base/" + r.Version
	r.GPUNumber = pick(g, 1, 1, 2, 2, 4, 8)
	r.CPUNumber = r.GPUNumber * pick(g, 3, 4, 8)
	r.RAMSize = r.CPUNumber * 5120
	r.ResourceSpec = fmt.Sprintf("%d 核心; %d 加速器; %.1fG 内存", r.CPUNumber, r.GPUNumber, float64(r.RAMSize)/1024)
}

// times spreads historical instances over half a year and keeps live ones
// recent (and Running ones inside their timeout).
func (g *generator) times(r *Record, now time.Time) {
	switch r.Status {
	case scnet.StatusWaiting:
		r.CreateTime = now.Add(-g.between(time.Minute, 30*time.Minute))
	case scnet.StatusDeploying:
		r.CreateTime = now.Add(-g.between(time.Minute, 10*time.Minute))
	case scnet.StatusRunning:
		age := g.between(time.Hour, 5*24*time.Hour)
		if limit, ok := timeoutOf(r.TimeoutLimit); ok {
			age = g.between(10*time.Minute, limit-time.Hour)
		}
		r.CreateTime = now.Add(-age)
		r.StartTime = r.CreateTime.Add(g.between(30*time.Second, 10*time.Minute))
		r.HeaderNotebookIP = fmt.Sprintf("10.16.%d.%d", g.rng.IntN(250)+1, g.rng.IntN(250)+1)
	default:
		r.CreateTime = now.Add(-g.between(time.Hour, 180*24*time.Hour))
		if r.Status == scnet.StatusTerminated && g.rng.IntN(7) == 0 {
			// Stopped while still waiting: it never started.
			r.EndTime = r.CreateTime.Add(g.between(time.Minute, time.Hour))
			break
		}
		r.StartTime = r.CreateTime.Add(g.between(10*time.Second, 15*time.Minute))
		run := g.between(3*time.Minute, 5*24*time.Hour)
		if limit, ok := timeoutOf(r.TimeoutLimit); ok && run > limit {
			run = limit
		}
		r.EndTime = r.StartTime.Add(run)
		if r.EndTime.After(now) {
			r.EndTime = now.Add(-time.Minute)
		}
	}
	r.CreateTime = r.CreateTime.Truncate(time.Second)
	r.StartTime = r.StartTime.Truncate(time.Second)
	r.EndTime = r.EndTime.Truncate(time.Second)
}

func (g *generator) ports(tt scnet.TaskType, id string, i int) []Port {
	const host = "ai01.scnet.cn"
	ports := []Port{{Name: "ssh", ContainerPort: 22, Protocol: "TCP",
		AccessURL: fmt.Sprintf("ssh://root@%s:%d", host, 30000+i%20000)}}
	switch tt {
	case scnet.TaskJupyter:
		ports = append(ports, Port{Name: "jupyter", ContainerPort: 8888, Protocol: "TCP",
			AccessURL: "https://" + host + ":65011/ai/jupyter/" + id + "/lab"})
	case scnet.TaskCodeServer:
		ports = append(ports, Port{Name: "codeserver", ContainerPort: 8080, Protocol: "TCP",
			AccessURL: "https://" + host + ":65011/ai/codeserver/" + id + "/"})
	case scnet.TaskRStudio:
		ports = append(ports, Port{Name: "rstudio", ContainerPort: 8787, Protocol: "TCP",
			AccessURL: "https://" + host + ":65011/ai/rstudio/" + id + "/"})
	}
	return ports
}

// seedEntries makes n records deterministically from seed as of now. With
// hostile, the hostile names are spread over them (each used once when n
// allows).
func seedEntries(n int, seed int64, hostile bool, now time.Time) []*entry {
	g := newGenerator(rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)))
	ids := make(map[string]bool, n)
	recs := make([]Record, 0, n)
	for i := range n {
		r := g.record(i, now)
		for ids[r.ID] {
			r.ID = g.hex(32)
		}
		ids[r.ID] = true
		recs = append(recs, r)
	}
	if hostile {
		hn := hostileNames()
		for k, name := range hn {
			if k >= n {
				break
			}
			recs[k*n/len(hn)].Name = name
		}
	}
	// Entries are made in list order so a scan walks memory front to back.
	slices.SortFunc(recs, func(a, b Record) int {
		if c := a.CreateTime.Compare(b.CreateTime); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	es := make([]*entry, len(recs))
	for i, r := range recs {
		es[i] = newEntry(r)
	}
	return es
}
