"""Chinese vocabulary of the demo bank: people's names, the city (苏州), employers, merchants, banks.

The city is 苏州市 (Suzhou, Jiangsu). District names, streets and the 6-digit administrative codes
used in 居民身份证 numbers are real: 320502 沧浪区, 320503 平江区, 320504 金阊区 (merged into
姑苏区 320508 in 2012), 320505 虎丘区, 320506 吴中区, 320507 相城区, 320509 吴江区 (吴江市
320584 before 2012), 320581 常熟市, 320582 张家港市, 320583 昆山市, 320585 太仓市. An ID keeps
the code of its first registration, so adults mostly carry the pre-2012 codes.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Rng = np.random.Generator
Strs = npt.NDArray[np.str_]

# fmt: off
# Common surnames with rough frequencies (‰); Wu-speaking names (陆 顾 沈 钱 朱 周 徐) boosted.
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 60), ("李", 55), ("张", 52), ("刘", 40), ("陈", 45), ("杨", 25), ("黄", 18),
    ("赵", 17), ("吴", 28), ("周", 30), ("徐", 30), ("孙", 15), ("马", 10), ("朱", 25),
    ("胡", 12), ("郭", 9), ("何", 9), ("高", 9), ("林", 9), ("罗", 6), ("郑", 8), ("梁", 5),
    ("谢", 6), ("宋", 6), ("唐", 6), ("许", 8), ("韩", 5), ("冯", 6), ("邓", 4), ("曹", 6),
    ("彭", 4), ("曾", 3), ("肖", 4), ("田", 3), ("董", 5), ("袁", 5), ("潘", 7), ("于", 3),
    ("蒋", 8), ("蔡", 5), ("余", 3), ("杜", 3), ("叶", 6), ("程", 4), ("苏", 3), ("魏", 3),
    ("吕", 3), ("丁", 5), ("任", 3), ("沈", 18), ("姚", 6), ("卢", 3), ("姜", 3), ("崔", 2),
    ("钟", 2), ("谭", 2), ("陆", 20), ("汪", 4), ("范", 5), ("金", 7), ("石", 2), ("廖", 1),
    ("贾", 2), ("夏", 4), ("韦", 1), ("方", 4), ("白", 2), ("邹", 3), ("孟", 2), ("秦", 3),
    ("邱", 2), ("江", 3), ("尹", 2), ("薛", 3), ("段", 1), ("雷", 1), ("侯", 2), ("史", 3),
    ("陶", 4), ("贺", 1), ("顾", 18), ("毛", 3), ("龚", 3), ("邵", 4), ("钱", 14), ("严", 4),
    ("戴", 4), ("孔", 2), ("汤", 3), ("华", 3), ("浦", 2), ("缪", 2), ("欧阳", 0.5),
)
# Given names by generation: whole names for the elderly, character pools for the others.
OLD_M = ("建国", "建华", "国强", "志强", "卫东", "德明", "国庆", "金根", "根宝", "福林", "长生",
         "荣华", "志刚", "建军", "海林", "永康", "水根", "林生", "金宝", "文华", "阿大", "兴林")
OLD_F = ("秀英", "桂英", "玉兰", "凤英", "秀珍", "金妹", "彩英", "美娟", "桂芳", "月娥", "小妹",
         "素珍", "雪芬", "惠英", "玉珍", "秀兰", "菊英", "杏娣", "林娣", "根娣", "阿珍", "美华")
MID_M = "伟强军勇杰磊斌涛明峰华刚平辉俊健锋东浩鹏建卫忠文志晓春海波"
MID_F = "丽静敏燕艳娟霞芳红萍英琴洁玲慧雯蓉婷琳莉晓春雪梅秀佳颖芬娜"
YOUNG_M = "浩宇轩博睿哲晨阳泽凯铭杰航鑫昊天子文俊逸辰宸然豪煜翔嘉"
YOUNG_F = "欣怡佳雨诗萱梦思雅琪涵悦可馨若晴彤妍婧芸雯瑶琳蕾倩菲萌"

# (district, address prefix, ID codes with weights, streets). Weights ~ where customers live.
DISTRICTS: tuple[tuple[str, str, tuple[tuple[str, float], ...], tuple[str, ...]], ...] = (
    ("姑苏区", "江苏省苏州市姑苏区", (("320502", 4), ("320503", 3), ("320504", 3)),
     ("十全街", "人民路", "干将西路", "观前街", "平江路", "凤凰街", "养育巷", "学士街", "石路",
      "三香路", "东环路", "南门路")),
    ("工业园区", "江苏省苏州市工业园区", (("320506", 4), ("320503", 1)),
     ("现代大道", "星湖街", "金鸡湖大道", "苏州大道东", "星海街", "独墅湖大道", "娄葑东路",
      "通园路")),
    ("吴中区", "江苏省苏州市吴中区", (("320506", 5),),
     ("东吴北路", "宝带西路", "金山路", "吴中大道", "尹山湖路", "苏蠡路", "长桥街道", "东山大道")),
    ("虎丘区", "江苏省苏州市虎丘区", (("320505", 5),),
     ("狮山路", "竹园路", "长江路", "玉山路", "滨河路", "何山路")),
    ("相城区", "江苏省苏州市相城区", (("320507", 5),),
     ("相城大道", "阳澄湖西路", "元和人民路", "采莲路", "华元路")),
    ("吴江区", "江苏省苏州市吴江区", (("320584", 4), ("320509", 1)),
     ("中山南路", "鲈乡南路", "开平路", "长安路", "流虹路")),
    ("昆山市", "江苏省苏州市昆山市", (("320583", 5),), ("前进中路", "朝阳路", "马鞍山路", "柏庐南路")),
    ("常熟市", "江苏省苏州市常熟市", (("320581", 5),), ("海虞北路", "虞山北路", "黄河路")),
    ("张家港市", "江苏省苏州市张家港市", (("320582", 5),), ("杨舍东街", "人民中路", "长安南路")),
    ("太仓市", "江苏省苏州市太仓市", (("320585", 5),), ("上海东路", "县府街", "郑和中路")),
)
# Sub-branch → (district index, outlets); the org tree is built from this.
NETWORK: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("姑苏支行", 0, ("观前街营业部", "石路分理处", "平江路分理处", "南门分理处")),
    ("工业园区支行", 1, ("金鸡湖分理处", "湖东分理处", "独墅湖分理处", "娄葑分理处")),
    ("吴中支行", 2, ("木渎分理处", "长桥分理处", "郭巷分理处", "东山分理处")),
)
OCCUPATIONS = ("企业职员", "工程师", "教师", "医生", "护士", "公务员", "销售", "财务", "个体工商户",
               "私营企业主", "自由职业", "工人", "司机", "律师", "学生", "退休", "农民", "无业")
EMPLOYER_PLACES = ("苏州", "苏州工业园区", "昆山", "吴江", "常熟", "张家港", "太仓")
EMPLOYER_WORDS = ("华信", "恒达", "新创", "瑞丰", "中盛", "金辉", "宏宇", "博远", "天和", "东吴",
                  "嘉禾", "汇通", "联发", "永泰", "锦程", "凯捷", "明德", "华宸", "奥利", "晟泰")
EMPLOYER_TRADES = ("电子科技", "精密机械", "纺织", "物流", "建设工程", "生物医药", "信息技术",
                   "光电", "新材料", "贸易", "餐饮管理", "物业管理", "汽车零部件", "半导体")
# Public employers by kind (teachers, doctors and nurses, civil servants, state-owned utilities).
PUBLIC_BODIES: dict[str, tuple[str, ...]] = {
    "school": ("苏州市第一中学", "苏州市第三中学", "苏州市第十中学", "姑苏区实验小学",
               "工业园区星海实验中学", "吴中区木渎实验小学", "相城区实验中学", "苏州科技大学"),
    "hospital": ("苏州市立医院", "苏州市中医医院", "吴中区人民医院", "相城区人民医院",
                 "工业园区星湖医院", "姑苏区社区卫生服务中心"),
    "government": ("苏州市公安局", "园区管委会", "苏州市税务局", "相城区教育局", "吴中区财政局",
                   "姑苏区人民政府", "苏州市人力资源和社会保障局"),
    "soe": ("苏州轨道交通集团", "国网苏州供电公司", "苏州水务集团"),
}
PUBLIC_EMPLOYERS = tuple(x for bodies in PUBLIC_BODIES.values() for x in bodies)
MERCHANTS = ("美团", "饿了么", "京东商城", "淘宝", "拼多多", "盒马鲜生", "大润发", "永辉超市",
             "苏州中心商场", "观前街第一百货", "中国石化加油站", "中国石油加油站", "星巴克",
             "得月楼", "松鹤楼", "苏州地铁", "滴滴出行", "国家电网", "苏州水务", "中国移动",
             "携程旅行", "苏州大药房", "物业缴费", "肯德基", "华润万家")
SECURITIES = ("东吴证券", "华泰证券", "国泰君安", "中信证券", "招商证券")
# Other banks' codes (counterparty_bank), with BIN prefixes for their card numbers.
OTHER_BANKS: tuple[tuple[str, str, float], ...] = (
    ("ICBC", "622202", 18), ("CCB", "621700", 16), ("ABC", "622848", 14), ("BOC", "621661", 10),
    ("BCM", "622262", 7), ("CMB", "621483", 10), ("PSBC", "621799", 6), ("CIB", "622909", 5),
    ("SPDB", "622521", 4), ("CITIC", "622690", 3), ("BOSZ", "621461", 5), ("NBCB", "621418", 2),
)
MOBILE_PREFIXES = (
    *range(130, 140), 150, 151, 152, 153, 155, 156, 157, 158, 159, 166, 173, 175, 176, 177, 178,
    *range(180, 190), 191, 193, 195, 196, 198, 199,
)
# fmt: on


def pick(rng: Rng, items: tuple[str, ...] | str, n: int) -> Strs:
    return np.asarray(list(items))[rng.integers(0, len(items), n)]


def weighted(rng: Rng, weights: npt.ArrayLike, n: int) -> npt.NDArray[np.int64]:
    w = np.asarray(weights, dtype=np.float64)
    return np.searchsorted(np.cumsum(w / w.sum()), rng.random(n), side="right").clip(0, len(w) - 1)


def person_names(rng: Rng, male: npt.NDArray[np.bool_], birth_year: npt.NDArray[np.int64]) -> Strs:
    """Surname + given name in the style of the person's generation and gender."""
    n = len(male)
    sn = np.asarray([s for s, _ in SURNAMES])[weighted(rng, [w for _, w in SURNAMES], n)]
    era = np.where(birth_year < 1962, 0, np.where(birth_year < 1988, 1, 2))
    given = np.empty(n, dtype=object)
    for e, (pm, pf) in enumerate(((MID_M, MID_F), (MID_M, MID_F), (YOUNG_M, YOUNG_F))):
        for is_m, pool in ((True, pm), (False, pf)):
            idx = np.flatnonzero((era == e) & (male == is_m))
            one = rng.random(len(idx)) < (0.15 if e == 2 else 0.3)
            g = np.strings.add(
                pick(rng, pool, len(idx)), np.where(one, "", pick(rng, pool, len(idx)))
            )
            if e == 0:  # the elderly mostly carry the whole names of their time
                whole = pick(rng, OLD_M if is_m else OLD_F, len(idx))
                g = np.where(rng.random(len(idx)) < 0.7, whole, g)
            given[idx] = g
    return np.strings.add(sn, given.astype(str))


def mobiles(rng: Rng, n: int) -> npt.NDArray[np.int64]:
    """11-digit mobile numbers as integers (13x/15x/18x/19x … prefixes)."""
    pre = np.asarray(MOBILE_PREFIXES, dtype=np.int64)[rng.integers(0, len(MOBILE_PREFIXES), n)]
    return pre * 100_000_000 + rng.integers(0, 100_000_000, n)


def employers(rng: Rng, count: int) -> list[str]:
    """A fixed list of plausible Suzhou employers (fictional company names + public bodies)."""
    names = {
        f"{rng.choice(EMPLOYER_PLACES)}{rng.choice(EMPLOYER_WORDS)}{rng.choice(EMPLOYER_TRADES)}有限公司"
        for _ in range(count * 2)
    }
    return sorted(names)[: count - len(PUBLIC_EMPLOYERS)] + list(PUBLIC_EMPLOYERS)
