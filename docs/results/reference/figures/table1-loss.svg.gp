set terminal svg size 1560,720 dynamic
set termoption noenhanced
set output "docs/results/reference/figures/table1-loss.svg"
set multiplot layout 2,3 title "Table 1: training loss"
set xlabel 'step'
set ylabel 'training loss'
set grid
set key top right font ',8'
set title "erf(x), horizontal"
plot "docs/results/reference/figures/table1-loss-1a3c9e697045e423.dat" using 1:2 with lines lt 1 dt 1 title "lambda = -2", "docs/results/reference/figures/table1-loss-e5820d6c14e1bd88.dat" using 1:2 with lines lt 2 dt 1 title "lambda = -1", "docs/results/reference/figures/table1-loss-00b7cc0d01b3540b.dat" using 1:2 with lines lt 3 dt 1 title "lambda = -0.5", "docs/results/reference/figures/table1-loss-f572c94f42168241.dat" using 1:2 with lines lt 4 dt 1 title "lambda = -0.1", "docs/results/reference/figures/table1-loss-a834f5bc356f521e.dat" using 1:2 with lines lt 5 dt 1 title "lambda = 0", "docs/results/reference/figures/table1-loss-0bf4325fa8454f79.dat" using 1:2 with lines lt 6 dt 1 title "lambda = +0.1", "docs/results/reference/figures/table1-loss-e8d902a3a6c8b4a6.dat" using 1:2 with lines lt 7 dt 1 title "lambda = +0.5", "docs/results/reference/figures/table1-loss-7b2e63903add4104.dat" using 1:2 with lines lt 8 dt 1 title "lambda = +1", "docs/results/reference/figures/table1-loss-d3cdc16bc7a04bcb.dat" using 1:2 with lines lt 1 dt 2 title "lambda = +2"
set title "erf(x), vertical"
plot "docs/results/reference/figures/table1-loss-0099eee0c4534aa8.dat" using 1:2 with lines lt 1 dt 1 title "lambda = -2", "docs/results/reference/figures/table1-loss-f1183174999a5d2c.dat" using 1:2 with lines lt 2 dt 1 title "lambda = -1", "docs/results/reference/figures/table1-loss-3519d38c424efee9.dat" using 1:2 with lines lt 3 dt 1 title "lambda = -0.5", "docs/results/reference/figures/table1-loss-be56095fc723f0aa.dat" using 1:2 with lines lt 4 dt 1 title "lambda = -0.1", "docs/results/reference/figures/table1-loss-a834f5bc356f521e.dat" using 1:2 with lines lt 5 dt 1 title "lambda = 0", "docs/results/reference/figures/table1-loss-9d37aa78d03f9dc0.dat" using 1:2 with lines lt 6 dt 1 title "lambda = +0.1", "docs/results/reference/figures/table1-loss-1cb0618e7063ae40.dat" using 1:2 with lines lt 7 dt 1 title "lambda = +0.5", "docs/results/reference/figures/table1-loss-56d61d12165a63fe.dat" using 1:2 with lines lt 8 dt 1 title "lambda = +1", "docs/results/reference/figures/table1-loss-6952669eadfd699c.dat" using 1:2 with lines lt 1 dt 2 title "lambda = +2"
set title "tanh(x), horizontal"
plot "docs/results/reference/figures/table1-loss-ff5cc8fc904909a1.dat" using 1:2 with lines lt 1 dt 1 title "lambda = -2", "docs/results/reference/figures/table1-loss-c7b4d8a2cc16c394.dat" using 1:2 with lines lt 2 dt 1 title "lambda = -1", "docs/results/reference/figures/table1-loss-bb7be94643cb5bf1.dat" using 1:2 with lines lt 3 dt 1 title "lambda = -0.5", "docs/results/reference/figures/table1-loss-da9c983fdf1eee92.dat" using 1:2 with lines lt 4 dt 1 title "lambda = -0.1", "docs/results/reference/figures/table1-loss-c307ebd6371a9df0.dat" using 1:2 with lines lt 5 dt 1 title "lambda = 0", "docs/results/reference/figures/table1-loss-7ed77f3a904d5c88.dat" using 1:2 with lines lt 6 dt 1 title "lambda = +0.1", "docs/results/reference/figures/table1-loss-5abb90c74c3cf537.dat" using 1:2 with lines lt 7 dt 1 title "lambda = +0.5", "docs/results/reference/figures/table1-loss-fd51014947e7f463.dat" using 1:2 with lines lt 8 dt 1 title "lambda = +1", "docs/results/reference/figures/table1-loss-9537e09dad852abd.dat" using 1:2 with lines lt 1 dt 2 title "lambda = +2"
set title "tanh(x), vertical"
plot "docs/results/reference/figures/table1-loss-c307ebd6371a9df0.dat" using 1:2 with lines lt 1 dt 1 title "lambda = 0"
set title "arctan(x), horizontal"
plot "docs/results/reference/figures/table1-loss-d74348fdd38ee50a.dat" using 1:2 with lines lt 1 dt 1 title "lambda = 0"
set title "arctan(x), vertical"
plot "docs/results/reference/figures/table1-loss-d74348fdd38ee50a.dat" using 1:2 with lines lt 1 dt 1 title "lambda = 0"
unset multiplot
